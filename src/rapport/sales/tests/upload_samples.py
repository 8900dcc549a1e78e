"""Files for the upload tests: one of each accepted kind, and the ones we must refuse."""

from __future__ import annotations

import io
import zipfile

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
TEXT = "续约条款：提前 30 天书面通知。\nRenewal by written notice.\n".encode()


def office(kind: str = "docx", *, extra: dict[str, bytes] | None = None, level: int = zipfile.ZIP_DEFLATED) -> bytes:
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", level) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(main, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bomb() -> bytes:
    """A DOCX whose one member expands a thousandfold (4 MB of zeros in a few kB)."""
    return office(extra={"word/media/zeros.bin": b"\x00" * (4 * 1024 * 1024)})


# name -> (file name, content, the reason's start)
REFUSED = {
    "mismatched": ("signed.pdf", PNG, "The file is a PNG image but its name ends in '.pdf'."),
    "unknown": ("tool.exe", b"MZ\x90\x00" + b"\x00" * 60, "This kind of file is not accepted"),
    "text_not_utf8": ("notes.txt", b"\xff\xfe\x00bad\x00", "This kind of file is not accepted"),
    "empty": ("empty.pdf", b"", "The file is empty."),
    "bomb": ("big.docx", None, "The archive expands to too much data"),
    "traversal": ("evil.docx", None, "The archive has a part whose path leaves the archive."),
    "absolute": ("evil.xlsx", None, "The archive has a part whose path leaves the archive."),
    "plain_zip": ("photos.docx", None, "Only Word (.docx) and Excel (.xlsx) archives are accepted."),
    "nested": ("annex.docx", None, "The archive holds another archive; nested archives are refused."),
    "damaged_zip": ("broken.docx", b"PK\x03\x04" + b"\x00" * 30, "The file is a damaged or unsupported archive."),
}


def refused_content(name: str) -> bytes:
    content = REFUSED[name][1]
    if content is not None:
        return content
    if name == "bomb":
        return bomb()
    if name == "traversal":
        return office(extra={"../../outside.txt": b"x"})
    if name == "nested":
        return office(extra={"word/embeddings/inner.docx": office()})
    if name == "absolute":
        return office("xlsx", extra={"/etc/cron.d/evil": b"x"})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.jpg", JPEG)
    return buffer.getvalue()
