"""What a log-in session remembers about itself: when it started and its second factor.

Kept in the session (no query per request): the middleware (accounts/middleware.py) reads it,
the log-in signal (accounts/signals.py) and the second-factor pages (accounts/views.py) write
it. docs/security/authentication.md tells the whole story.
"""

from __future__ import annotations

import time
from typing import Any

import django_otp
from django.http import HttpRequest

from liptako.accounts import services
from liptako.accounts.models import User

STARTED_AT_KEY = "accounts.started_at"
RENEWED_AT_KEY = "accounts.renewed_at"  # the last time the idle expiry was pushed back
SECOND_FACTOR_KEY = "accounts.second_factor"  # "verify" or "enrol" until the factor is given
VERIFY = "verify"
ENROL = "enrol"


def session_start(request: HttpRequest, user: User) -> None:
    """At log-in: note the time (absolute timeout; the idle expiry was just set by this save)
    and what the second factor still needs."""
    request.session[STARTED_AT_KEY] = request.session[RENEWED_AT_KEY] = int(time.time())
    if services.user_has_second_factor(user):
        request.session[SECOND_FACTOR_KEY] = VERIFY
    elif user.requires_second_factor:
        request.session[SECOND_FACTOR_KEY] = ENROL
    else:
        request.session.pop(SECOND_FACTOR_KEY, None)


def second_factor_pending(request: HttpRequest) -> str | None:
    """``"verify"``, ``"enrol"`` or ``None`` when nothing stands between the user and the app."""
    if request.session.get(django_otp.DEVICE_ID_SESSION_KEY):
        return None
    state: Any = request.session.get(SECOND_FACTOR_KEY)
    return state if state in (VERIFY, ENROL) else None


def second_factor_given(request: HttpRequest, device: Any) -> None:
    """The user proved their second factor with ``device``: a new session id, then verified."""
    request.session.cycle_key()
    request.session.pop(SECOND_FACTOR_KEY, None)
    django_otp.login(request, device)


def second_factor_dropped(request: HttpRequest, user: User) -> None:
    """The user removed their app: this session is no longer verified, unless a passkey is
    left (the user proved their second factor in this session; it stays theirs)."""
    if services.user_has_second_factor(user):
        return
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    if user.requires_second_factor:
        request.session[SECOND_FACTOR_KEY] = ENROL
    else:
        request.session.pop(SECOND_FACTOR_KEY, None)


def started_at(request: HttpRequest) -> int | None:
    value: Any = request.session.get(STARTED_AT_KEY)
    return value if isinstance(value, int) else None
