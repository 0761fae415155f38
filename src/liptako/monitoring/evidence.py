"""Checks on evidence files: size first (before reading), then type by content sniffing.

The extension alone proves nothing: the first bytes must match a type we accept, and the
extension must agree with them (a ``.pdf`` that is really a ZIP is refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# magic bytes → (content type, extensions it may carry)
_PDF = ("application/pdf", {".pdf"})
_PNG = ("image/png", {".png"})
_JPEG = ("image/jpeg", {".jpg", ".jpeg"})
_GIF = ("image/gif", {".gif"})
_WEBP = ("image/webp", {".webp"})
_OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
_OLE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


def max_evidence_bytes() -> int:
    return int(getattr(settings, "MONITORING_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The accepted content type of a file from its first bytes and name, or None."""
    extension = Path(filename).suffix.lower()
    simple: tuple[str, set[str]] | None = None
    if head.startswith(b"%PDF-"):
        simple = _PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        simple = _PNG
    elif head.startswith(b"\xff\xd8\xff"):
        simple = _JPEG
    elif head.startswith((b"GIF87a", b"GIF89a")):
        simple = _GIF
    elif head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        simple = _WEBP
    if simple is not None:
        content_type, extensions = simple
        return content_type if extension in extensions else None
    if head.startswith(b"PK\x03\x04"):
        return _OOXML.get(extension)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE.get(extension)
    return None


def check_evidence_file(*, name: str, size: int, stream: IO[bytes]) -> str:
    """Return the content type, or raise ``ValidationError`` on the ``file`` field.

    ``size`` is the size the upload handler declared: it is checked before a byte is read.
    """
    limit = max_evidence_bytes()
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is too large: %(size)s MB at most.")
                % {"size": limit // (1024 * 1024)}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    head = stream.read(16)
    stream.seek(0)
    content_type = sniff_content_type(head, name)
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "This type of file is not accepted: send a PDF, an image (PNG, JPEG, GIF, "
                    "WebP) or an office document (Word, Excel, PowerPoint, OpenDocument)."
                )
            }
        )
    return content_type
