"""System checks of the passkeys' relying party (``liptako check --deploy``, decision 0220)."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@register(deploy=True)
def check_passkey_relying_party(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Passkeys are bound to a host name served over https: browsers refuse anything else,
    and a relying party that is not the users' host (or a parent domain of it) fails every
    ceremony. An unset LIPTAKO_BASE_URL is liptako.E001 already."""
    base_url = settings.LIPTAKO_BASE_URL
    if not base_url:
        return []
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    rp_id = settings.OTP_WEBAUTHN_RP_ID
    origin = f"{parts.scheme}://{parts.netloc}"
    hint = "See docs/security/authentication.md (passkeys) and decision 0220."
    if _is_ip_address(host):
        message = (
            f"LIPTAKO_BASE_URL is an IP address ({host}): browsers refuse passkeys there. "
            "Serve the instance under a host name."
        )
    elif parts.scheme != "https":
        message = f"LIPTAKO_BASE_URL is not https ({base_url}): browsers refuse passkeys there."
    elif host != rp_id and not host.endswith(f".{rp_id}"):
        message = (
            f"OTP_WEBAUTHN_RP_ID ({rp_id!r}) is neither the host of LIPTAKO_BASE_URL ({host}) "
            "nor a parent domain of it: every passkey ceremony would fail."
        )
    elif origin not in settings.OTP_WEBAUTHN_ALLOWED_ORIGINS:
        message = (
            f"The origin of LIPTAKO_BASE_URL ({origin}) is not in OTP_WEBAUTHN_ALLOWED_ORIGINS."
        )
    else:
        return []
    return [Error(message, hint=hint, id="liptako.E010")]
