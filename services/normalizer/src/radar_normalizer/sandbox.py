"""Extraction in warm child processes that are killed at the event's deadline.

Parsers of PDF, XLSX, HTML and MIME run on hostile input. A thread cannot be stopped, so a file
built to exhaust a parser would keep burning CPU after its event timed out, and a few of them
would fill the pool. Here every event is read in a child process:

- the parent gives the child the event and waits at most the event's budget
  (``RADAR_EVENT_BUDGET_SECONDS``); at the deadline the child is killed (SIGKILL);
- the child runs under ``RLIMIT_AS`` (``RADAR_EXTRACT_MEMORY_MB`` above its footprint after
  start) and, per event, ``RLIMIT_CPU`` (the budget's seconds more than it has used so far), so a
  runaway is stopped by the kernel even if the parent cannot act;
- the event then fails with :class:`ExtractionKilled` (a ``PermanentError``: dead-lettered at
  once, with the reason) and a fresh child replaces the killed one, off the event's path.

Children are started once and reused (``RADAR_EXTRACT_PROCESSES`` of them), so an event pays
for two pipe transfers, not for a process start. Parent and child speak length-prefixed frames
over the child's stdin/stdout: protobuf for events and notices, JSON for the rest — never
pickle, since the child is the side that reads hostile input.

Run as ``python -m radar_normalizer.sandbox <memory_mb> <log level> <json|text>`` (the parent
does that).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import resource
import signal
import struct
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import IO, Any

from radar_common.bus.worker import PermanentError
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.logs import configure_logging, current_task_id, current_trace_id
from radar_normalizer.catalog import CatalogParts, CatalogSnapshot, KnownParts
from radar_normalizer.extract import NoPartsFound, UnreadableEvent, event_text, extract_notices

log = logging.getLogger(__name__)

_FRAME = struct.Struct(">IB")  # payload length, frame kind
_LENGTH = struct.Struct(">I")
MAX_FRAME_BYTES = 256 * 1024 * 1024
START_TIMEOUT_SECONDS = 60.0
_EXIT_OUT_OF_MEMORY = 3
_MIB = 1024 * 1024
_REFUSALS: dict[str, type[PermanentError]] = {
    "NoPartsFound": NoPartsFound,
    "UnreadableEvent": UnreadableEvent,
}


class Frame(IntEnum):
    """What a frame carries."""

    READY = ord("R")  # child -> parent: started, limits set
    CATALOG = ord("C")  # parent -> child: known parts (JSON)
    EXTRACT = ord("E")  # parent -> child: a job (header + RawEvent) for the notices
    TEXT = ord("T")  # parent -> child: a job for the event's readable text
    NOTICE = ord("N")  # child -> parent: one NormalizedNotice
    DONE = ord("D")  # child -> parent: all notices sent (JSON: recycle?)
    TEXT_RESULT = ord("S")  # child -> parent: the text (UTF-8)
    REFUSED = ord("X")  # child -> parent: a PermanentError (JSON: kind, message)
    FAILED = ord("F")  # child -> parent: any other exception (JSON: error)
    OUT_OF_MEMORY = ord("M")  # child -> parent: MemoryError; the child exits


@dataclass(frozen=True)
class SandboxLimits:
    """What one event may spend.

    Attributes:
        budget_seconds: wall-clock time for all of an event's reading (the deadline).
        memory_mb: address space a child may add to its footprint after start.
        processes: warm children (events beyond that wait for one).
        cpu_seconds: CPU time per job (``RLIMIT_CPU``); None means the budget.
    """

    budget_seconds: float = 30.0
    memory_mb: int = 512
    processes: int = 2
    cpu_seconds: float | None = None


class ExtractionKilled(PermanentError):
    """The event's extraction passed a limit and was killed.

    ``limit`` says which: ``deadline``, ``cpu``, ``memory``, or ``system`` (killed from outside,
    e.g. by a container's out-of-memory killer).
    """

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class ExtractionCrashed(RuntimeError):
    """The child died for another reason (a signal, an exit): retried like any transient error."""


class _ChildGone(Exception):
    """The child could not be given the job: it had died before (its input pipe is closed)."""


class _ChildDied(Exception):
    def __init__(self, returncode: int | None, out_of_memory: bool = False) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.out_of_memory = out_of_memory


@dataclass(eq=False)
class _Child:
    process: asyncio.subprocess.Process
    catalog: CatalogParts | None = None  # the known parts it holds (by identity)
    recycle: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class SandboxStats:
    """Counters for operators and tests: children started, and kills by limit."""

    started: int = 0
    killed: Counter[str] = field(default_factory=Counter)


def _describe(event: RawEvent) -> str:
    names = ", ".join(a.filename or "unnamed" for a in event.attachments[:5])
    return f"the {event.format or 'event'} event" + (f" with {names}" if names else "")


class ExtractionSandbox:
    """A pool of warm extraction children; use as ``async with ExtractionSandbox(...) as box``."""

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        known_parts: KnownParts | None = None,
        *,
        log_level: str = "INFO",
        log_json: bool = True,
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.known_parts = known_parts
        self.stats = SandboxStats()
        self._argv = [str(self.limits.memory_mb), log_level, "json" if log_json else "text"]
        self._idle: asyncio.Queue[_Child] = asyncio.Queue()
        self._children: set[_Child] = set()
        self._respawns: set[asyncio.Task[None]] = set()
        self._fixed_catalog: CatalogParts | None = None
        self._closed = False

    async def __aenter__(self) -> ExtractionSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start the warm children and wait until each is ready."""
        children = await asyncio.gather(*(self._spawn() for _ in range(self.limits.processes)))
        for child in children:
            self._idle.put_nowait(child)

    async def close(self) -> None:
        """Stop every child (end of input, then SIGKILL after a second)."""
        self._closed = True
        for task in self._respawns:
            task.cancel()
        await asyncio.gather(*self._respawns, return_exceptions=True)
        await asyncio.gather(*(self._stop(child) for child in list(self._children)))

    async def extract(self, event: RawEvent, budget: float | None = None) -> list[NormalizedNotice]:
        """One notice per affected part of ``event``, read in a child within ``budget`` seconds.

        Raises:
            ExtractionKilled: the reading passed its deadline, CPU or memory limit.
            NoPartsFound, UnreadableEvent: what :func:`extract_notices` refuses.
            ExtractionCrashed: the child died for another reason (transient).
        """
        notices, _ = await self._run(Frame.EXTRACT, event, budget)
        return notices

    async def text(self, event: RawEvent, budget: float | None = None) -> str:
        """The event's readable text (what the LLM pass reads), read in a child."""
        _, text = await self._run(Frame.TEXT, event, budget)
        return text

    @property
    def pids(self) -> list[int]:
        """Process ids of the live children (for tests and operators)."""
        return sorted(child.pid for child in self._children)

    # --- parent side ---------------------------------------------------------------------

    async def _spawn(self) -> _Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "radar_normalizer.sandbox",
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=_MIB,
        )
        child = _Child(process)
        try:
            kind, _ = await asyncio.wait_for(_read_frame(process), START_TIMEOUT_SECONDS)
            if kind != Frame.READY:
                raise ExtractionCrashed(f"extraction process sent {kind!r} before READY")
        except _ChildDied as died:
            await self._stop(child)
            raise ExtractionCrashed(f"extraction process exited at start ({died})") from None
        except BaseException:
            await self._stop(child)
            raise
        self.stats.started += 1
        self._children.add(child)
        return child

    async def _stop(self, child: _Child) -> None:
        self._children.discard(child)
        process = child.process
        if process.returncode is None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 1.0)
            except TimeoutError:
                _kill(process)
        await process.wait()

    def _replace(self, child: _Child) -> None:
        """Kill ``child`` now and start its successor in the background."""
        self._children.discard(child)
        _kill(child.process)
        task = asyncio.create_task(self._respawn(child))
        self._respawns.add(task)
        task.add_done_callback(self._respawns.discard)

    async def _respawn(self, dead: _Child) -> None:
        await self._stop(dead)
        delay = 0.5
        while not self._closed:
            try:
                self._idle.put_nowait(await self._spawn())
                return
            except (OSError, ExtractionCrashed, TimeoutError, asyncio.IncompleteReadError) as exc:
                log.error("extraction process failed to start, retrying in %.1fs: %r", delay, exc)
                await asyncio.sleep(delay)
                delay = min(30.0, delay * 2)

    def _catalog(self) -> CatalogParts | None:
        known = self.known_parts
        if known is None or isinstance(known, CatalogParts):
            return known
        if isinstance(known, CatalogSnapshot):
            return known.parts
        if not isinstance(known, Iterable):
            raise TypeError(f"known parts the sandbox cannot send: {type(known).__name__}")
        if self._fixed_catalog is None:  # a plain set of part numbers, read once
            self._fixed_catalog = CatalogParts(str(mpn) for mpn in known)
        return self._fixed_catalog

    async def _run(
        self, kind: Frame, event: RawEvent, budget: float | None
    ) -> tuple[list[NormalizedNotice], str]:
        seconds = self.limits.budget_seconds if budget is None else budget
        if seconds <= 0:
            raise ExtractionKilled(f"{_describe(event)} had no time left in its budget", "deadline")
        cpu = min(seconds, self.limits.cpu_seconds or seconds)
        job = _job(kind, event, cpu)
        while True:
            child = await self._idle.get()
            try:
                async with asyncio.timeout(seconds):
                    await self._send_catalog(child)
                    await _write_frame(child.process, kind, job)
                    outcome = await _collect(child)
            except _ChildGone:  # died while idle (killed from outside): not this event's doing
                log.warning("extraction process %d was gone; using another", child.pid)
                self._replace(child)
                continue
            except TimeoutError:
                self._killed(child, "deadline")
                raise ExtractionKilled(
                    f"{_describe(event)} was stopped at its deadline: reading it took longer "
                    f"than the event's {self.limits.budget_seconds:g}s budget "
                    "(RADAR_EVENT_BUDGET_SECONDS)",
                    "deadline",
                ) from None
            except _ChildDied as died:
                raise self._death(child, died, event, cpu) from None
            except BaseException:  # cancelled, or a broken frame: the child's state is unknown
                self._replace(child)
                raise
            break
        if child.recycle:
            self._replace(child)
        else:
            self._idle.put_nowait(child)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _killed(self, child: _Child, limit: str) -> None:
        self.stats.killed[limit] += 1
        log.warning("extraction process %d stopped (%s); starting a new one", child.pid, limit)
        self._replace(child)

    def _death(self, child: _Child, died: _ChildDied, event: RawEvent, cpu: float) -> Exception:
        code = died.returncode
        if died.out_of_memory or code == _EXIT_OUT_OF_MEMORY:
            self._killed(child, "memory")
            return ExtractionKilled(
                f"{_describe(event)} was stopped: reading it needed more than "
                f"{self.limits.memory_mb} MB of memory (RADAR_EXTRACT_MEMORY_MB)",
                "memory",
            )
        if code == -signal.SIGXCPU:
            self._killed(child, "cpu")
            return ExtractionKilled(
                f"{_describe(event)} was stopped: reading it used more than "
                f"{math.ceil(cpu)}s of CPU",
                "cpu",
            )
        if code == -signal.SIGKILL:  # not ours: the system's (a container's memory limit)
            self._killed(child, "system")
            return ExtractionKilled(
                f"{_describe(event)} was stopped: the system killed its extraction process "
                "(SIGKILL; in a container, usually the memory limit)",
                "system",
            )
        self._killed(child, "crash")
        how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit {code}"
        return ExtractionCrashed(f"the extraction process died ({how}) reading {_describe(event)}")

    async def _send_catalog(self, child: _Child) -> None:
        catalog = self._catalog()
        if catalog is child.catalog:
            return
        mpns, bases = catalog.entries() if catalog is not None else ((), ())
        doc = {"known": catalog is not None, "mpns": sorted(mpns), "bases": sorted(bases)}
        await _write_frame(child.process, Frame.CATALOG, json.dumps(doc).encode())
        child.catalog = catalog


def _kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL, unless the process has already gone (it may exit between check and kill)."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def _job(kind: Frame, event: RawEvent, cpu: float) -> bytes:
    """A job frame's payload: a JSON header (CPU allowance, log context), then the event."""
    header = json.dumps(
        {"cpu_seconds": cpu, "task_id": current_task_id.get(), "trace_id": current_trace_id.get()}
    ).encode()
    return _LENGTH.pack(len(header)) + header + event.SerializeToString()


async def _write_frame(process: asyncio.subprocess.Process, kind: Frame, payload: bytes) -> None:
    """Send a frame; the child starts a job only once it has read all of it."""
    assert process.stdin is not None
    if process.returncode is not None:
        raise _ChildGone(process.returncode)
    try:
        process.stdin.write(_FRAME.pack(len(payload), kind) + payload)
        await process.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        raise _ChildGone(await process.wait()) from None


async def _read_frame(process: asyncio.subprocess.Process) -> tuple[int, bytes]:
    assert process.stdout is not None
    try:
        length, kind = _FRAME.unpack(await process.stdout.readexactly(_FRAME.size))
        if length > MAX_FRAME_BYTES:
            raise ExtractionCrashed(f"extraction process sent a frame of {length} bytes")
        return kind, await process.stdout.readexactly(length)
    except (asyncio.IncompleteReadError, ConnectionResetError):
        raise _ChildDied(await process.wait()) from None


async def _collect(child: _Child) -> tuple[list[NormalizedNotice], str] | BaseException:
    """The child's answer to one job: notices, text, or the refusal to raise (child healthy)."""
    notices: list[NormalizedNotice] = []
    while True:
        kind, payload = await _read_frame(child.process)
        if kind == Frame.NOTICE:
            notices.append(NormalizedNotice.FromString(payload))
        elif kind == Frame.DONE:
            child.recycle = bool(json.loads(payload or b"{}").get("recycle"))
            return notices, ""
        elif kind == Frame.TEXT_RESULT:
            return [], payload.decode("utf-8", errors="replace")
        elif kind == Frame.REFUSED:
            doc = json.loads(payload)
            return _REFUSALS.get(str(doc.get("kind")), PermanentError)(str(doc.get("message")))
        elif kind == Frame.FAILED:
            return ExtractionCrashed(str(json.loads(payload).get("error")))
        elif kind == Frame.OUT_OF_MEMORY:
            raise _ChildDied(await child.process.wait(), out_of_memory=True)
        else:
            raise ExtractionCrashed(f"extraction process sent an unknown frame {kind!r}")


# --- child side ------------------------------------------------------------------------------


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _send(out: IO[bytes], kind: Frame, payload: bytes = b"") -> None:
    out.write(_FRAME.pack(len(payload), kind) + payload)
    out.flush()


def _receive(source: IO[bytes]) -> tuple[int, bytes] | None:
    head = source.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None  # the parent closed our input: time to go
    length, kind = _FRAME.unpack(head)
    return kind, source.read(length)


class _ChildState:
    """What a child keeps between jobs."""

    def __init__(self, out: IO[bytes], memory_mb: int) -> None:
        self.out = out
        self.catalog: CatalogParts | None = None
        self.footprint = _vm_bytes()
        self.memory_mb = memory_mb

    def load_catalog(self, payload: bytes) -> None:
        doc: dict[str, Any] = json.loads(payload)
        self.catalog = CatalogParts(doc["mpns"], bases=doc["bases"]) if doc["known"] else None

    def serve(self, kind: int, payload: bytes) -> None:
        (size,) = _LENGTH.unpack_from(payload)
        header = json.loads(payload[_LENGTH.size : _LENGTH.size + size])
        event = RawEvent.FromString(payload[_LENGTH.size + size :])
        _limit_cpu(float(header["cpu_seconds"]))
        current_task_id.set(str(header.get("task_id", "")))
        current_trace_id.set(str(header.get("trace_id", "")))
        try:
            if kind == Frame.TEXT:
                _send(self.out, Frame.TEXT_RESULT, event_text(event).encode("utf-8"))
                return
            notices = extract_notices(event, self.catalog)
            for notice in notices:
                _send(self.out, Frame.NOTICE, notice.SerializeToString())
            # A child that grew by half its allowance gives the memory back by being replaced.
            grown = _vm_bytes() - self.footprint > self.memory_mb * _MIB // 2
            _send(self.out, Frame.DONE, json.dumps({"recycle": grown}).encode())
        except PermanentError as exc:
            refusal = {"kind": type(exc).__name__, "message": str(exc)}
            _send(self.out, Frame.REFUSED, json.dumps(refusal).encode())
        except MemoryError:
            raise
        except Exception as exc:  # reported to the parent, which retries the event
            _send(self.out, Frame.FAILED, json.dumps({"error": repr(exc)[:1000]}).encode())


def _limit_cpu(seconds: float) -> None:
    """Let this job use ``seconds`` more CPU time than the process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def child_main(argv: list[str]) -> None:
    """The child's loop: read frames from stdin, answer on stdout, until stdin closes."""
    memory_mb, level, fmt = int(argv[0]), argv[1], argv[2]
    configure_logging("normalizer", level, json_lines=fmt == "json")
    out, source = sys.stdout.buffer, sys.stdin.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the parent's pipe
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop (Ctrl-C)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    state = _ChildState(out, memory_mb)
    limit = state.footprint + memory_mb * _MIB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _send(out, Frame.READY, json.dumps({"pid": os.getpid()}).encode())
    while (frame := _receive(source)) is not None:
        kind, payload = frame
        try:
            if kind == Frame.CATALOG:
                state.load_catalog(payload)
            else:
                state.serve(kind, payload)
        except MemoryError:
            with contextlib.suppress(BaseException):
                _send(out, Frame.OUT_OF_MEMORY)
            os._exit(_EXIT_OUT_OF_MEMORY)


if __name__ == "__main__":
    child_main(sys.argv[1:])
