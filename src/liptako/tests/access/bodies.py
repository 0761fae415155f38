"""The readable text of any response: HTML, JSON, CSV, ICS, PDF, and zips (XLSX, DOCX, bundles).

Canary titles are searched in this text with every space removed on both sides, so that a
line break in a PDF or a folded ICS line cannot hide one.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import zipfile

from django.http import HttpResponse, StreamingHttpResponse
from pypdf import PdfReader
from pypdf.errors import PdfReadError

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def content_of(response: HttpResponse | StreamingHttpResponse) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return bytes(response.content)


def text_of(content: bytes, name: str = "") -> str:
    """Every piece of text a person (or a program) could read in ``content``."""
    if content.startswith(b"%PDF"):
        try:
            reader = PdfReader(io.BytesIO(content))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
        except PdfReadError:
            pass  # not a PDF pypdf reads (an uploaded file): its bytes as they are, below
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(text_of(archive.read(member), member) for member in archive.namelist())
    text = content.decode("utf-8", errors="replace")
    if name.endswith((".xml", ".rels")) or text.lstrip().startswith("<?xml"):
        text = _TAGS.sub("", text)
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(stripped), ensure_ascii=False)
    # iCalendar folds long lines ("\r\n ") and escapes commas and semicolons.
    text = text.replace("\r\n ", "").replace("\n ", "").replace("\\", "")
    return html.unescape(text)


def squeeze(text: str) -> str:
    return _SPACES.sub("", html.unescape(text)).replace("\\", "")


def leaked(body_text: str, titles: list[str]) -> list[str]:
    """The titles found in the body (compared without spaces)."""
    body = squeeze(body_text)
    return [title for title in titles if squeeze(title) in body]
