"""Reading providers' form posts (urlencoded or multipart) as they stream in.

The body is parsed as it arrives, never held whole:

- text fields are kept in memory; a part larger than ``spool_bytes`` (a file, or SendGrid's
  raw ``email`` field) waits in a temporary file, with its size and SHA-256, until it is
  streamed to the object store (:mod:`radar_ingestion.blobs`);
- at most ``max_fields`` text fields and ``max_files`` files: a form with more can never be
  accepted (413 ``too-many-parts``; 406 for Mailgun, which stops retrying on it);
- when the credential is inside the form (Mailgun's ``timestamp``, ``token``, ``signature``),
  a ``gate`` sees the fields as each one ends and verifies them as soon as they are all there:
  a wrong signature is refused at once, and the rest of the body is never read. At most
  ``preauth_bytes`` are read before the gate opens: a form whose signature fields come later
  than that is refused (413 ``credentials-too-late``).
"""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import Any
from urllib.parse import unquote_plus

from fastapi import Request
from python_multipart import MultipartParser, QuerystringParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from radar_common.contracts import Attachment
from radar_ingestion.blobs import stage
from radar_ingestion.problems import Problem, malformed, refusal_status
from radar_ingestion.settings import IngestionSettings

# Sees the text fields read so far: True once the credentials among them are verified, False
# while they are incomplete (``final``: the form ended; decide now). Raises Problem to refuse.
Gate = Callable[[dict[str, str], bool], bool]


@dataclass(frozen=True)
class FormLimits:
    max_fields: int = 100
    max_files: int = 50
    spool_bytes: int = 256 * 1024
    preauth_bytes: int = 4 * 1024 * 1024

    @classmethod
    def of(cls, settings: IngestionSettings) -> FormLimits:
        return cls(
            max_fields=settings.form_max_fields,
            max_files=settings.form_max_files,
            spool_bytes=settings.form_spool_bytes,
            preauth_bytes=settings.preauth_max_bytes,
        )


@dataclass
class SpooledPart:
    """One part too large to keep in memory, on disk until it is uploaded."""

    name: str
    filename: str
    content_type: str
    file: SpooledTemporaryFile[bytes] = field(repr=False)
    size: int = 0
    sha256: str = ""

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def staged_ref(self) -> str:
        """Register it for upload with this request's event (radar_ingestion.blobs)."""
        return stage(self.file, self.size, self.sha256)


@dataclass
class FormDelivery:
    """The text fields of a form post and its files, in the order they came.

    A file over ``spool_bytes`` is an :class:`Attachment` without content whose ``object_ref``
    names its staged temporary file; a text field over it is in ``large_fields``.
    """

    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, Attachment]] = field(default_factory=list)
    large_fields: dict[str, SpooledPart] = field(default_factory=dict)
    spooled: list[SpooledPart] = field(default_factory=list)

    def close(self) -> None:
        for part in self.spooled:
            part.file.close()

    def all_text_fields(self, *, except_: tuple[str, ...] = ()) -> dict[str, str]:
        """Every text field, large ones decoded (they belong in the payload like the rest)."""
        large = {
            name: part.read().decode("utf-8", errors="replace")
            for name, part in self.large_fields.items()
            if name not in except_
        }
        return {**self.fields, **large}


class _Part:
    """The part being read: kept in memory until it outgrows ``spool_bytes``."""

    def __init__(self, spool_bytes: int) -> None:
        self.spool_bytes = spool_bytes
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.filename: str | None = None
        self.content_type = ""
        self.memory = bytearray()
        self.spooled: SpooledPart | None = None
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        if self.spooled is None and len(self.memory) + len(data) <= self.spool_bytes:
            self.memory += data
            return
        if self.spooled is None:
            self.spooled = SpooledPart(
                self.name,
                self.filename or "",
                self.content_type,
                SpooledTemporaryFile(max_size=self.spool_bytes),  # noqa: SIM115 - closed by the form
            )
            self.spooled.file.write(self.memory)
            self.spooled.size = len(self.memory)
            self.memory = bytearray()
        self.spooled.file.write(data)
        self.spooled.size += len(data)


class _FormReader:
    def __init__(self, request: Request, limits: FormLimits, gate: Gate | None) -> None:
        self.request = request
        self.limits = limits
        self.gate = gate
        self.open = gate is None
        self.form = FormDelivery()
        self.charset = "utf-8"
        self.files = 0
        self.text_fields = 0
        self.part: _Part | None = None
        self._header_name = b""
        self._header_value = b""
        self._name = bytearray()
        self._value = bytearray()

    # Limits and the gate ----------------------------------------------------------------------
    def _too_many(self, what: str, limit: int) -> Problem:
        return Problem(
            refusal_status(self.request.url.path, 413),
            "too-many-parts",
            "Too many form parts",
            f"More than {limit} {what} in one form (RADAR_FORM_MAX_{what.upper()}).",
        )

    def _count_field(self) -> None:
        self.text_fields += 1
        if self.text_fields > self.limits.max_fields:
            raise self._too_many("fields", self.limits.max_fields)

    def _add_field(self, name: str, value: str) -> None:
        self._count_field()
        self.form.fields[name] = value
        self._check_gate(final=False)

    def _check_gate(self, *, final: bool) -> None:
        if not self.open and self.gate is not None:
            self.open = self.gate(self.form.fields, final)

    # urlencoded -------------------------------------------------------------------------------
    def on_field_start(self) -> None:
        self._name, self._value = bytearray(), bytearray()

    def on_field_name(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_field_end(self) -> None:
        name = unquote_plus(self._name.decode("latin-1"), encoding=self.charset)
        self._add_field(name, unquote_plus(self._value.decode("latin-1"), encoding=self.charset))

    # multipart --------------------------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.part = _Part(self.limits.spool_bytes)

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        assert self.part is not None
        self.part.headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        part = self.part
        assert part is not None
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise malformed(self.request, "a form part has no Content-Disposition name")
        part.name = options[b"name"].decode(self.charset, errors="replace")
        if b"filename" in options:
            self.files += 1
            if self.files > self.limits.max_files:
                raise self._too_many("files", self.limits.max_files)
            part.filename = options[b"filename"].decode(self.charset, errors="replace")
        content_type = part.headers.get(b"content-type", b"application/octet-stream")
        part.content_type = content_type.decode("latin-1")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        assert self.part is not None
        self.part.write(data[start:end])

    def on_part_end(self) -> None:
        part, self.part = self.part, None
        assert part is not None
        spooled = part.spooled
        if spooled is not None:
            spooled.sha256 = part.digest.hexdigest()
            self.form.spooled.append(spooled)
        if part.filename is None and spooled is None:
            self._add_field(part.name, part.memory.decode(self.charset, errors="replace"))
        elif part.filename is None and spooled is not None:
            self._count_field()
            self.form.large_fields[part.name] = spooled
        else:
            attachment = Attachment(
                filename=part.filename or part.name,
                content_type=part.content_type,
                size=spooled.size if spooled else len(part.memory),
            )
            if spooled is not None:
                attachment.object_ref = spooled.staged_ref()
            else:
                attachment.content = bytes(part.memory)
            self.form.files.append((part.name, attachment))

    # Reading ---------------------------------------------------------------------------------
    def _parser(self) -> MultipartParser | QuerystringParser:
        content_type, params = parse_options_header(self.request.headers.get("content-type", ""))
        charset = params.get(b"charset", b"utf-8").decode("latin-1")
        try:
            self.charset = codecs.lookup(charset).name
        except LookupError:
            self.charset = "utf-8"
        if content_type == b"multipart/form-data":
            boundary = params.get(b"boundary")
            if not boundary:
                raise malformed(self.request, "multipart/form-data without a boundary")
            return MultipartParser(
                boundary,
                {
                    "on_part_begin": self.on_part_begin,
                    "on_part_data": self.on_part_data,
                    "on_part_end": self.on_part_end,
                    "on_header_field": self.on_header_field,
                    "on_header_value": self.on_header_value,
                    "on_header_end": self.on_header_end,
                    "on_headers_finished": self.on_headers_finished,
                },
            )
        return QuerystringParser(
            {
                "on_field_start": self.on_field_start,
                "on_field_name": self.on_field_name,
                "on_field_data": self.on_field_data,
                "on_field_end": self.on_field_end,
            }
        )

    async def read(self) -> FormDelivery:
        parser = self._parser()
        before_gate = 0
        try:
            async for chunk in self.request.stream():
                if not self.open:
                    before_gate += len(chunk)
                    if before_gate > self.limits.preauth_bytes:
                        raise Problem(
                            413,
                            "credentials-too-late",
                            "Credentials not found in time",
                            f"The signature fields must come within the first "
                            f"{self.limits.preauth_bytes} bytes (RADAR_PREAUTH_MAX_BYTES).",
                        )
                parser.write(chunk)
            parser.finalize()
            self._check_gate(final=True)
        except FormParserError as exc:
            self.form.close()
            raise malformed(self.request, f"cannot parse the form: {exc}") from exc
        except BaseException:
            self.form.close()
            raise
        return self.form


async def read_form(
    request: Request, limits: FormLimits, *, gate: Gate | None = None
) -> FormDelivery:
    """Parse the form as it streams in; close the returned form when done with it.

    Raises:
        Problem: not a well-formed form, too many parts, or refused by ``gate``.
    """
    return await _FormReader(request, limits, gate).read()


def json_field(request: Request, fields: dict[str, str], name: str) -> Any:
    """A form field that holds JSON (SendGrid's `attachment-info`, `envelope`); None if absent."""
    raw = fields.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise malformed(request, f"field {name!r} is not valid JSON") from exc
