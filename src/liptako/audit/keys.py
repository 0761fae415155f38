"""The instance's own Ed25519 key, which signs the audit checkpoints.

The key lives at ``settings.INSTANCE_SIGNING_KEY_PATH`` (PEM, PKCS#8, unencrypted, mode
0600) and is generated on first use. Generation is safe against a race between processes (two
gunicorn workers, a worker and ``liptako audit checkpoint``): the key is written complete to
a private temporary file opened with ``O_EXCL``, then published under its final name with
``os.link``, which fails if the name already exists. So exactly one key ever appears under
that name, and nobody ever reads a half-written file: the loser reads the winner's key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


def instance_key_path() -> Path:
    return Path(settings.INSTANCE_SIGNING_KEY_PATH)


def instance_private_key() -> Ed25519PrivateKey:
    """The instance's signing key, generated into ``INSTANCE_SIGNING_KEY_PATH`` if absent."""
    path = instance_key_path()
    if not path.exists():
        _generate(path)
    return _load_private(path)


def instance_public_key() -> Ed25519PublicKey | None:
    """The instance's public key, or ``None`` when no key was generated yet (never creates)."""
    path = instance_key_path()
    if not path.exists():
        return None
    return _load_private(path).public_key()


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key as 64 hex digits (as stored on each checkpoint)."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _load_private(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("%s is readable by other users (mode %o); it should be 0600", path, mode)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"{path} does not hold a readable PEM key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def _generate(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process published its key first
            os.link(temporary, path)
            logger.info("Generated the instance signing key at %s", path)
    finally:
        temporary.unlink(missing_ok=True)
