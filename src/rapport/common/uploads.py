"""Uploaded files: what we accept, checked before anything is stored.

The promises (docs/security.md, "Uploads"):

- **Size bounded while streaming.** ``SizeLimitUploadHandler`` counts the
  bytes of each file as they arrive and drops a file past
  ``RAPPORT_MAX_UPLOAD_BYTES`` (default 10 MB) before the rest is read or
  written anywhere; the door reports it as a 422 on the field.
- **Type checked by content.** The first bytes decide: PDF, PNG, JPEG, a DOCX
  or XLSX (a zip with the parts those formats have) or plain UTF-8 text. The
  name's extension must agree with the content; anything else is refused.
- **Zip bombs and traversal refused.** A DOCX/XLSX is opened as a zip: too
  many members, a member name that is absolute or climbs out (``..``), a
  compression ratio above ``ZIP_MAX_RATIO`` or more than
  ``RAPPORT_MAX_UPLOAD_UNCOMPRESSED`` bytes in all are refused; the sizes are
  counted by decompressing (bounded), not taken from the zip's own directory.
- **Names sanitised.** Only the last path component is kept, control and
  format characters are dropped, the length is bounded; the file is stored
  under a random name and the clean name is only shown and sent back in
  ``Content-Disposition``.
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse

from rapport.common.errors import ValidationFailed

MAX_NAME_LENGTH = 150
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_RATIO = 100
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]
    label: str


PDF = Kind("application/pdf", (".pdf",), "a PDF document")
PNG = Kind("image/png", (".png",), "a PNG image")
JPEG = Kind("image/jpeg", (".jpg", ".jpeg"), "a JPEG image")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "a Word document")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "an Excel workbook")
TEXT = Kind("text/plain", (".txt",), "plain text")
ACCEPTED = (PDF, PNG, JPEG, DOCX, XLSX, TEXT)


def max_bytes() -> int:
    return int(getattr(settings, "RAPPORT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def max_uncompressed() -> int:
    return int(getattr(settings, "RAPPORT_MAX_UPLOAD_UNCOMPRESSED", 50 * 1024 * 1024))


def describe_limit() -> str:
    limit = max_bytes()
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit / 1024:g} KB"


class SizeLimitUploadHandler(FileUploadHandler):
    """First in the handler chain: a file past the limit is skipped as it streams in and noted on the request.

    ``request.uploads_refused`` maps the form field to why, so the door can
    answer 422 naming it instead of pretending no file was sent.
    """

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            refused = getattr(self.request, "uploads_refused", None)
            if refused is None:
                refused = {}
                setattr(self.request, "uploads_refused", refused)  # noqa: B010 (HttpRequest has no such attribute declared)
            refused[self.field_name] = f"The file is larger than {describe_limit()}."
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    """Puts ``SizeLimitUploadHandler`` in front of every request's upload handlers."""

    def __init__(self, get_response: Any):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
        return self.get_response(request)


def refused_upload(request: Any, field: str) -> None:
    """Raise the 422 the size limit noted for ``field``, if any."""
    reason = getattr(request, "uploads_refused", {}).get(field)
    if reason:
        raise ValidationFailed.for_field(field, reason)


def sanitise_filename(raw: str, *, field: str = "file") -> str:
    """The last path component, without control characters, bounded in length; never empty."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        raise ValidationFailed.for_field(field, "The file has no usable name.")
    stem, ext = os.path.splitext(name)
    ext = ext[:12]
    return stem[: MAX_NAME_LENGTH - len(ext)] + ext


def _sniff(head: bytes) -> Kind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return DOCX  # which of the two is decided by its parts
    return None


def sniff_label(data: bytes) -> str:
    """What some bytes are, judged by content only, in words ("a PDF document"); never the sender's claim."""
    kind = _sniff(data[:16])
    if kind is None and data and b"\x00" not in data[:4096]:
        try:
            # Not final: a character cut at the 4 KB mark is not an error.
            codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
        except UnicodeDecodeError:
            pass
        else:
            kind = TEXT
    if kind is DOCX:
        return "a zip archive (perhaps a Word or Excel file)"
    return kind.label if kind is not None else "a file of unknown type"


def _unsafe_member(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts or "\x00" in name


def _check_zip(stream: IO[bytes], *, field: str) -> Kind:
    """DOCX or XLSX, after checking every member's name and its real uncompressed size."""
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise ValidationFailed.for_field(field, f"The archive has more than {ZIP_MAX_MEMBERS} parts.")
        names = set()
        budget = max_uncompressed()
        for info in members:
            if _unsafe_member(info.filename):
                raise ValidationFailed.for_field(field, "The archive has a part whose path leaves the archive.")
            names.add(info.filename)
            if info.file_size > budget or info.file_size > max(info.compress_size, 1) * ZIP_MAX_RATIO:
                raise ValidationFailed.for_field(field, "The archive expands to too much data (a decompression bomb?).")
            with archive.open(info) as member:
                size = 0
                while chunk := member.read(CHUNK):
                    if size == 0 and chunk.startswith((b"PK\x03\x04", b"\x1f\x8b")):
                        raise ValidationFailed.for_field(field, "The archive holds another archive; nested archives are refused.")
                    size += len(chunk)
                    budget -= len(chunk)
                    if budget < 0 or size > max(info.compress_size, 1) * ZIP_MAX_RATIO:
                        raise ValidationFailed.for_field(field, "The archive expands to too much data (a decompression bomb?).")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, OSError):
        raise ValidationFailed.for_field(field, "The file is a damaged or unsupported archive.") from None
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return XLSX
    raise ValidationFailed.for_field(field, "Only Word (.docx) and Excel (.xlsx) archives are accepted.")


def _is_text(stream: IO[bytes]) -> bool:
    decoder_input = b""
    while chunk := stream.read(CHUNK):
        decoder_input += chunk
    try:
        text = decoder_input.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f" for ch in text)


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # shown to people and sent back on download
    stored_name: str  # what it is saved as: random, with the type's own extension
    content_type: str
    size: int


def check_upload(upload: UploadedFile | None, *, field: str = "file") -> CheckedUpload:
    """Everything about an upload we promise, or a ValidationFailed naming ``field``."""
    if upload is None:
        raise ValidationFailed.for_field(field, "Choose a file.")
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationFailed.for_field(field, f"The file is larger than {describe_limit()}.")
    if size == 0:
        raise ValidationFailed.for_field(field, "The file is empty.")
    filename = sanitise_filename(upload.name or "", field=field)
    ext = os.path.splitext(filename)[1].lower()
    stream = upload.open("rb")
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    kind = _sniff(head)
    if kind is DOCX:
        kind = _check_zip(stream, field=field)
    elif kind is None and ext in TEXT.extensions and _is_text(stream):
        kind = TEXT
    stream.seek(0)
    if kind is None:
        accepted = ", ".join(e for k in ACCEPTED for e in k.extensions)
        raise ValidationFailed.for_field(field, f"This kind of file is not accepted; send one of {accepted}.")
    if ext not in kind.extensions:
        raise ValidationFailed.for_field(field, f"The file is {kind.label} but its name ends in '{ext or 'nothing'}'.")
    return CheckedUpload(
        filename=filename, stored_name=f"{uuid.uuid4().hex}{kind.extensions[0]}", content_type=kind.content_type, size=size
    )


# What a download endpoint documents for its 200 (``openapi_extra=DOWNLOAD_OPENAPI``): bytes, not JSON.
DOWNLOAD_OPENAPI: dict[str, Any] = {"responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}}}


def attachment_response(stream: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A stored upload sent back as a download that no browser renders or sniffs in place."""
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
