"""Canonical JSON (RFC 8785) and digests: what is hashed and signed is always these bytes."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` as RFC 8785 canonical JSON (UTF-8 bytes).

    Only JSON types are accepted (dict, list, str, int, float, bool, None); callers turn
    dates, decimals and UUIDs into strings first, so the same data always gives the same bytes.
    """
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest_of(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value``."""
    return sha256_hex(canonical_json(value))
