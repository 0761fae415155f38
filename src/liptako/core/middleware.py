from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from liptako.core.marking import page_marking
from liptako.core.models import SubmissionKey

if TYPE_CHECKING:
    from liptako.accounts.models import User

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


class PrivateResponsesMiddleware:
    """``Cache-Control: no-store`` on every answer to a logged-in user or an API token holder.

    A marked page kept in a browser's or a proxy's cache outlives the session that was allowed
    to see it (a shared computer, a field office's proxy). Static files never get here
    (WhiteNoise answers them first, with far-future caching); a view whose answer is the same
    for everybody says so with ``Cache-Control: public`` and is left alone (the marking
    stylesheet).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "public" in response.get("Cache-Control", ""):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response


class _AlreadyAnswered(Exception):
    """Another request with the same submission key committed first."""


class IdempotencyMiddleware:
    """A form sent twice is handled once: the repeat gets the first answer (decision 0162).

    For a logged-in user's POST carrying an ``idempotency_key`` (added to every POST form by
    ``forms.js``), the view runs in one transaction with the recording of its answer under a
    unique (user, key) constraint. A repeat that arrives after the first committed finds the
    record and is answered from it; one that runs at the same time fails on the constraint,
    is rolled back whole and is answered from the record too. Only answers that move the
    browser on (redirects) are recorded and replayed. A cookie tells ``forms.js`` that the
    submission went through, so it forgets what it had kept of the form.
    """

    FIELD = "idempotency_key"
    COOKIE = "liptako-submitted"
    REPLAYED_HEADERS = ("Location", "HX-Redirect", "HX-Location", "HX-Refresh")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        user = cast("User", request.user)  # _key() returned a key: a logged-in user
        try:
            with transaction.atomic():
                record = SubmissionKey.objects.filter(user=user, key=key).first()
                if record is not None:
                    return self._replay(record)
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                    return response
                headers = {
                    name: response[name] for name in self.REPLAYED_HEADERS if name in response
                }
                if not (300 <= response.status_code < 400 or "HX-Redirect" in headers):
                    return response
                try:
                    with transaction.atomic():
                        SubmissionKey.objects.create(
                            user=user,
                            key=key,
                            path=request.path[:2000],
                            status_code=response.status_code,
                            headers=headers,
                        )
                except IntegrityError as error:
                    raise _AlreadyAnswered from error
        except _AlreadyAnswered:
            return self._replay(SubmissionKey.objects.get(user=user, key=key))
        self._confirm(response, key)
        return response

    def _key(self, request: HttpRequest) -> uuid.UUID | None:
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        try:
            return uuid.UUID(request.POST.get(self.FIELD, ""))
        except ValueError:
            return None

    def _replay(self, record: SubmissionKey) -> HttpResponse:
        response = HttpResponse(status=record.status_code)
        for name, value in record.headers.items():
            response[name] = value
        self._confirm(response, record.key)
        return response

    def _confirm(self, response: HttpResponse, key: uuid.UUID) -> None:
        # Read by forms.js on the next page; only says "this submission went through".
        response.set_cookie(
            self.COOKIE,
            str(key),
            max_age=120,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
