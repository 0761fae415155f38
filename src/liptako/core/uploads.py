"""A ceiling on every multipart request, checked before its body is read.

Django has a limit for form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but none for files: an
upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is streamed to a temporary file, however
large. :class:`UploadCeilingHandler`, first of ``FILE_UPLOAD_HANDLERS``, refuses a body whose
``Content-Length`` is above ``LIPTAKO_MAX_UPLOAD_BYTES`` before a byte of it is parsed; the API
answers 413 (api/api.py). Pages with a lower limit (signing, plan import, evidence, bundles)
declare it with :func:`body_limit`; :class:`BodyLimitMiddleware` refuses a body above it before
any middleware reads it (decision 0216).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve


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


# --- Per-page limits, before any middleware reads the body ----------------------------------

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])


def body_limit(
    max_bytes: int | Callable[[], int], message: Callable[[], str]
) -> Callable[[ViewFunc], ViewFunc]:
    """Mark a page: a body announced above ``max_bytes`` is refused (413, ``message()``).

    :class:`BodyLimitMiddleware` applies it before ``CsrfViewMiddleware`` and
    ``IdempotencyMiddleware``, which read ``request.POST`` (and so the whole body) before the
    view runs: a check in the view itself would come after the body is read.
    """

    def decorate(view: ViewFunc) -> ViewFunc:
        view.liptako_body_limit = (max_bytes, message)  # type: ignore[attr-defined]
        return view

    return decorate


class BodyLimitMiddleware:
    """Refuse a POST above its page's ``body_limit`` from its ``Content-Length`` (413, French).

    After the locale middleware (the answer is in the user's language), before every
    middleware that reads the body. The answer is a short page of its own: the user is not
    known yet at this point (authentication comes later), so the site's layout is not used.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH"):
            limit = self._limit(request)
            if limit is not None:
                max_bytes, message = limit
                if content_length(request) > (max_bytes() if callable(max_bytes) else max_bytes):
                    return HttpResponse(
                        render_to_string(
                            "core/too_large.html", {"message": message(), "back": request.path}
                        ),
                        status=413,
                    )
        return self.get_response(request)

    @staticmethod
    def _limit(request: HttpRequest) -> Any:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return getattr(match.func, "liptako_body_limit", None)
