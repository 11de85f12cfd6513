"""Logging: JSON lines carrying the trace_id and span_id of the work they describe."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

# Set by the JetStream runtime and by ingestion for the work in hand, so that every log line
# names its trace even where no span is active.
current_trace_id: contextvars.ContextVar[str] = contextvars.ContextVar("radar_trace_id", default="")
current_task_id: contextvars.ContextVar[str] = contextvars.ContextVar("radar_task_id", default="")

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _ids() -> tuple[str, str]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
    return current_trace_id.get(), ""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message, trace ids, extras.

    The ``trace_id``/``span_id`` are the current span's, else the trace the runtime is working
    for (``current_trace_id``); ``task_id`` comes from ``current_task_id``; every ``extra=`` of
    the log call becomes a key of its own.

    Args:
        service: the service name each line carries.
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """One JSON line: time, level, logger, message, trace and span ids, extras."""
        trace_id, span_id = _ids()
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "trace_id": trace_id,
        }
        if span_id:
            doc["span_id"] = span_id
        task_id = current_task_id.get()
        if task_id:
            doc["task_id"] = task_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal, still with the trace id.

    Args:
        service: the service name each line carries.
    """

    def __init__(self, service: str) -> None:
        super().__init__("%(asctime)s %(levelname)-5s " + service + " %(message)s%(trace)s")

    def format(self, record: logging.LogRecord) -> str:
        """The readable line, with the trace id when a span is active."""
        trace_id, _ = _ids()
        record.trace = f" trace_id={trace_id}" if trace_id else ""
        return super().format(record)


def configure_logging(service: str, level: str = "INFO", *, json_lines: bool = True) -> None:
    """Route every logger to stderr in the chosen format. Call once at process start.

    Args:
        service: the service name each line carries.
        level: the root level (``RADAR_LOG_LEVEL``); chatty libraries (nats, httpx, uvicorn's
            access log) stay at WARNING or above.
        json_lines: JSON lines (``RADAR_LOG_JSON``, what log collectors want) or readable text.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if json_lines else TextFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("nats", "httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
