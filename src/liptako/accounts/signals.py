"""Thin adapters from Django's authentication signals to the accounts services.

The signals are the one place that sees every log-in, refusal (including the ones django-axes
refuses while an account is locked), lockout and log-out, whichever view or backend handled
them; the rule (what is recorded) stays in ``services``
(docs/decisions/0010-login-audit-through-signals.md).
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from liptako.accounts import services, sessions


def _ip_address(request: HttpRequest | None) -> str | None:
    return get_client_ip_address(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="liptako.accounts.audit_login")
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.user_login_record(user=user, ip_address=_ip_address(request))
    if request is not None and hasattr(request, "session"):
        # Every log-in, whichever view: start the absolute timeout, ask for the second factor.
        sessions.session_start(request, user)


@receiver(user_locked_out, dispatch_uid="liptako.accounts.audit_lockout")
def audit_lockout(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    services.user_lockout_record(
        username=str(username or ""),
        ip_address=kwargs.get("ip_address") or _ip_address(request),
        failures=getattr(request, "axes_failures_since_start", None),
    )


@receiver(user_login_failed, dispatch_uid="liptako.accounts.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.user_login_failure_record(
        username=str(credentials.get("username", "")),
        ip_address=_ip_address(request),
        locked_out=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_logged_out, dispatch_uid="liptako.accounts.audit_logout")
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None and user.is_authenticated:  # logging out while logged out: nothing
        services.user_logout_record(user=user, ip_address=_ip_address(request))
