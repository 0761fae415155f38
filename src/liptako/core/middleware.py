from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from liptako.core.marking import page_marking

SENTINEL = b"<!--liptako:marking-banner-->"


class MarkingBannerMiddleware:
    """Fills the marking banners of a page once the whole page has been rendered.

    Items report their marking while they render (``{% marking item %}``), so the banner, at
    the top as at the bottom, shows the highest marking the page actually displays.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or SENTINEL not in response.content
        ):
            return response
        level = page_marking(request).level
        if level is None:
            from liptako.core.models import MarkingLevel

            level = MarkingLevel.objects.order_by("rank").first()
        banner = render_to_string(
            "core/_marking_banner.html", {"level": level}, request=request
        ).encode()
        response.content = response.content.replace(SENTINEL, banner)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class FrenchFirstMiddleware:
    """Ignores the browser's Accept-Language: the UI is French unless the user chose English.

    Placed before ``LocaleMiddleware``, which then decides from the language cookie (set by the
    language switch and at login from the user's preference) and falls back to French. API
    clients keep the header: a program asks for a language on purpose.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
