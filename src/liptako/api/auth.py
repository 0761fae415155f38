"""How API callers prove who they are: a personal token, or the browser's session.

Both are the NinjaAPI's default (api/api.py), so every operation requires one of them unless
it declares ``auth=None``. ``request.auth`` and ``request.user`` are the caller's ``User``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from liptako.accounts.models import ApiToken, User
from liptako.accounts.services import api_token_hash, api_token_mark_used


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer lpk_…``: a personal token, not revoked, of an active user."""

    openapi_description = "A personal API token, created on the page « Jetons d'API »."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        api_token = (
            ApiToken.objects.select_related("user").filter(token_hash=api_token_hash(token)).first()
        )
        if api_token is None or not api_token.is_active or not api_token.user.is_active:
            return None
        api_token_mark_used(token=api_token)
        request.user = api_token.user
        return api_token.user


class ActiveSessionAuth(SessionAuth):
    """The browser's log-in session; CSRF is checked on unsafe methods (ninja's default)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


token_auth = ApiTokenAuth()
session_auth = ActiveSessionAuth()
