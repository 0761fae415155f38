"""Logging a demo account in over HTTP as a browser does: password, then the second factor.

The accounts whose role requires a second factor (decision 0150) are asked for a TOTP code on
``/comptes/connexion/code/``; the code is computed from the demo's secret, the fifth column of
``demo-accounts.txt`` (decision 0153), as ``e2e/conftest.py`` does. The server accepts a time
step once per account and, with tolerance 1, the next step's code early: a second log-in of the
same account within the same 30 s uses the next step, a third waits for it. Callers that share
one account between several simulated people log in once and share the session cookie.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from django_otp.oath import TOTP, hotp

LOGIN_PATH = "/comptes/connexion/"
LOGIN_CODE_PATH = "/comptes/connexion/code/"
TOTP_STEP_SECONDS = 30
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')

# The last time step used per secret (secrets are random per instance): a code is accepted once.
_last_step: dict[str, int] = {}
_steps_lock = threading.Lock()


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    totp_secret: str  # base32; empty for the roles without a second factor


def demo_accounts(home: Path) -> dict[str, DemoAccount]:
    """The accounts of ``demo-accounts.txt`` (seven tab-separated columns) by username."""
    accounts = {}
    for line in (home / "demo-accounts.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if line.startswith("#") or len(fields) < 2:
            continue
        secret = fields[4] if len(fields) > 4 else ""
        accounts[fields[0]] = DemoAccount(fields[0], fields[1], secret)
    return accounts


def totp_code(secret: str, *, wait: bool = True) -> str | None:
    """A code of ``secret`` that this process has not used yet: the current step's, else the
    next step's (accepted early), else the one after, once its time has come (``None`` instead
    of waiting when ``wait`` is false)."""
    totp = TOTP(base64.b32decode(secret))
    with _steps_lock:
        step = max(int(totp.t()), _last_step.get(secret, -1) + 1)
        if not wait and step > int(totp.t()) + 1:
            return None
        _last_step[secret] = step
    # Tolerance 1 accepts the next step early; anything later must wait for its time.
    wait = (step - 1) * TOTP_STEP_SECONDS - time.time()
    if wait > 0:
        time.sleep(wait + 0.5)
    return f"{hotp(totp.key, step, digits=totp.digits):06d}"


def _csrf(response: requests.Response) -> str:
    found = CSRF_INPUT.search(response.text)
    assert found, f"no CSRF token on {response.url}: {response.status_code}"
    return found.group(1)


def log_in(
    session: requests.Session,
    base_url: str,
    account: DemoAccount,
    timeout: float = 60,
    **options: Any,
) -> None:
    """Log ``account`` into ``session`` through both steps; raises AssertionError when the
    server refuses. ``options`` go to every request (locust's ``name``, for instance)."""

    def call(method: str, path: str, **more: Any) -> requests.Response:
        return session.request(
            method,
            base_url + path,
            timeout=timeout,
            allow_redirects=False,
            headers={"Referer": base_url + path},
            **options,
            **more,
        )

    page = call("GET", LOGIN_PATH)
    response = call(
        "POST",
        LOGIN_PATH,
        data={
            "username": account.username,
            "password": account.password,
            "csrfmiddlewaretoken": _csrf(page),
        },
    )
    assert response.status_code == 302, f"password refused: {response.text[:500]}"
    code_page = call("GET", LOGIN_CODE_PATH)
    if code_page.status_code == 302:  # no second factor owed
        assert LOGIN_PATH not in code_page.headers["Location"], code_page.headers["Location"]
        return
    assert account.totp_secret, f"{account.username} is asked a code but has no demo secret"
    response = call(
        "POST",
        LOGIN_CODE_PATH,
        data={"code": totp_code(account.totp_secret), "csrfmiddlewaretoken": _csrf(code_page)},
    )
    assert response.status_code == 302, f"code refused: {response.text[:500]}"
