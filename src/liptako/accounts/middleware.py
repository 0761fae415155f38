from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from liptako.accounts import sessions


class UserTimezoneMiddleware:
    """Shows times in the signed-in user's time zone (stored in UTC)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "timezone", None) or settings.DEFAULT_USER_TIMEZONE
        try:
            timezone.activate(zoneinfo.ZoneInfo(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_HOURS after its log-in, however active it was, and
    pushes its idle expiry back once a minute while it is used.

    The absolute timeout ends only the session that is too old (no log-out signal: the user's
    other sessions stay), and the request goes on as anonymous, so LoginRequiredMiddleware
    sends it to the log-in page. The idle timeout is the session's age (SESSION_COOKIE_AGE)
    counted from its last save: the first request of each SESSION_RENEW_SECONDS saves it again
    (the others write nothing), so an idle session ends between SESSION_IDLE_MINUTES minus a
    minute and SESSION_IDLE_MINUTES after its last request (decision 0225).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session:
            started = sessions.started_at(request)
            now = int(time.time())
            if started is None:  # a session from before this rule: its lifetime starts now
                request.session[sessions.STARTED_AT_KEY] = now
            elif now - started >= settings.SESSION_ABSOLUTE_HOURS * 3600:
                request.session.flush()
                request.user = AnonymousUser()
        response = self.get_response(request)
        session = request.session
        if SESSION_KEY in session and not session.modified:
            now = int(time.time())
            renewed: object = session.get(sessions.RENEWED_AT_KEY)
            if not isinstance(renewed, int) or now - renewed >= settings.SESSION_RENEW_SECONDS:
                session[sessions.RENEWED_AT_KEY] = now  # saved, with a new expiry, on the way out
        return response


# Pages an authenticated user reaches before giving their second factor.
SECOND_FACTOR_OPEN_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:login-code",
        "accounts:passkey-login-begin",
        "accounts:passkey-login-complete",
        "accounts:two-factor-enrol",
        "accounts:logout",
        "set_language",
        "core:healthz",
    }
)


class SecondFactorMiddleware:
    """Before the second factor, a signed-in user reaches only the code or enrolment page.

    Users with a device give its code after their password (``accounts:login-code``); users
    whose role requires a second factor and who have none enrol first
    (``accounts:two-factor-enrol``). The state is in the session (accounts/sessions.py): no
    query once verified. For the API, such a session is no session at all (bearer tokens still
    authenticate: they are created from a verified session).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pending = (
            sessions.second_factor_pending(request) if SESSION_KEY in request.session else None
        )
        if pending is None:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            request.user = AnonymousUser()
            return self.get_response(request)
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in SECOND_FACTOR_OPEN_VIEWS:
            return self.get_response(request)
        target = (
            "accounts:login-code" if pending == sessions.VERIFY else "accounts:two-factor-enrol"
        )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
