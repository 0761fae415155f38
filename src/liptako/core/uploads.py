"""A ceiling on every multipart request, checked before its body is read.

Django has a limit for form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but none for files: an
upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is streamed to a temporary file, however
large. :class:`UploadCeilingHandler`, first of ``FILE_UPLOAD_HANDLERS``, refuses a body whose
``Content-Length`` is above ``LIPTAKO_MAX_UPLOAD_BYTES`` before a byte of it is parsed. Pages
with a lower limit (plan import, evidence, bundles) check theirs first and answer with their
own message; the API answers 413 (api/api.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class UploadTooLarge(RequestDataTooBig):
    """The request body is above the ceiling (a SuspiciousOperation: 400 on a page)."""


def max_upload_bytes() -> int:
    return int(settings.LIPTAKO_MAX_UPLOAD_BYTES)


def content_length(request: Any) -> int:
    """The announced size of the body; 0 when absent or malformed."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class UploadCeilingHandler(FileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length > max_upload_bytes():
            raise UploadTooLarge(f"Request body of {content_length} bytes refused")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
