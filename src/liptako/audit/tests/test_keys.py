"""The instance key: generated once, private to its owner, the same for every process."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from liptako.audit.keys import instance_private_key, instance_public_key, public_key_hex


def test_it_is_generated_on_first_use_with_mode_0600(instance_key_in_tmp_path: Path) -> None:
    assert instance_public_key() is None  # reading never creates
    assert not instance_key_in_tmp_path.exists()

    key = instance_private_key()

    assert stat.S_IMODE(instance_key_in_tmp_path.stat().st_mode) == 0o600
    assert instance_key_in_tmp_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_key_hex(instance_public_key()) == public_key_hex(key.public_key())  # type: ignore[arg-type]
    assert list(instance_key_in_tmp_path.parent.iterdir()) == [instance_key_in_tmp_path]


def test_it_is_reused_afterwards(instance_key_in_tmp_path: Path) -> None:
    first = public_key_hex(instance_private_key().public_key())
    assert public_key_hex(instance_private_key().public_key()) == first


def test_an_existing_key_is_never_replaced(instance_key_in_tmp_path: Path) -> None:
    existing = Ed25519PrivateKey.generate()
    instance_key_in_tmp_path.write_bytes(
        existing.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    assert public_key_hex(instance_private_key().public_key()) == public_key_hex(
        existing.public_key()
    )


def test_a_file_that_is_not_an_ed25519_key_is_refused(instance_key_in_tmp_path: Path) -> None:
    instance_key_in_tmp_path.write_text("not a key")

    with pytest.raises(ImproperlyConfigured, match="PEM"):
        instance_private_key()


def test_threads_racing_on_first_use_get_one_key(instance_key_in_tmp_path: Path) -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def use() -> None:
        barrier.wait()
        results.append(public_key_hex(instance_private_key().public_key()))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert len(set(results)) == 1
    assert list(instance_key_in_tmp_path.parent.iterdir()) == [instance_key_in_tmp_path]


def _generate_in_child(path: str, barrier: object, queue: object) -> None:
    from django.conf import settings

    settings.INSTANCE_SIGNING_KEY_PATH = Path(path)
    barrier.wait()  # type: ignore[attr-defined]
    queue.put(public_key_hex(instance_private_key().public_key()))  # type: ignore[attr-defined]


def test_processes_racing_on_first_use_get_one_key(instance_key_in_tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    queue = context.Queue()
    processes = [
        context.Process(
            target=_generate_in_child, args=(str(instance_key_in_tmp_path), barrier, queue)
        )
        for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)

    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    keys = {queue.get(timeout=5) for _ in processes}
    assert len(keys) == 1
    assert keys == {public_key_hex(instance_private_key().public_key())}
