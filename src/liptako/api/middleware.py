"""Refuse a query string that holds a NUL character, before any view reads it.

PostgreSQL can neither store nor compare text with NUL (0x00): a filter such as
``/api/v1/people?search=%00`` would fail in the database (a 500). Forms already refuse NUL
(``ProhibitNullCharactersValidator``); query parameters read by the API did not. Found by
schemathesis (docs/security/bad-input.md).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class NullCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            message = _("The request is not valid.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
