"""Reads on accounts that pages share."""

from __future__ import annotations

from django.db.models import QuerySet
from django_otp_webauthn.models import WebAuthnCredential

from liptako.accounts.models import User


def passkey_list_for_user(*, user: User) -> QuerySet[WebAuthnCredential]:
    """``user``'s own confirmed passkeys, oldest first (nobody sees another's)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")
