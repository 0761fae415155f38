"""The offline tools: keygen, sign, verify run without Django; OpenSSL agrees."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from liptako.validation import offline

PASS = "une phrase de passe assez longue"


def run(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"  # would fail if used
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "liptako", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_offline_module_imports_no_django() -> None:
    code = "import sys, liptako.validation.offline; print('django' in sys.modules)"
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_word_list_maps_every_byte_to_a_distinct_word() -> None:
    assert len(set(offline.WORDS)) == 256
    assert offline.fingerprint_words("00ff" + "00" * 30, count=2) == "abri sel"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_keygen_then_sign_gives_a_signature_openssl_verifies(tmp_path: Path) -> None:
    (tmp_path / "pass.txt").write_text(PASS + "\n", encoding="utf-8")
    generated = run("keygen", "--out", "key.pem", "--passphrase-file", "pass.txt", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    assert "Fingerprint words:" in generated.stdout
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "key.pem").read_bytes()
    (tmp_path / "statement.json").write_bytes(b'{"decision":"approve","version":1}')
    signed = run(
        "sign",
        "--key",
        "key.pem",
        "--passphrase-file",
        "pass.txt",
        "--raw-out",
        "sig.bin",
        "statement.json",
        cwd=tmp_path,
    )
    assert signed.returncode == 0, signed.stderr
    assert base64.b64decode(signed.stdout.strip()) == (tmp_path / "sig.bin").read_bytes()
    openssl = shutil.which("openssl") or "openssl"
    verified = subprocess.run(  # noqa: S603 (the system OpenSSL, as the README recipe uses)
        [
            openssl,
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "key.pem.pub.pem",
            "-rawin",
            "-in",
            "statement.json",
            "-sigfile",
            "sig.bin",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Signature Verified Successfully" in verified.stdout


def test_sign_refuses_a_wrong_passphrase(tmp_path: Path) -> None:
    (tmp_path / "pass.txt").write_text(PASS, encoding="utf-8")
    (tmp_path / "wrong.txt").write_text("autre chose", encoding="utf-8")
    run("keygen", "--out", "key.pem", "--passphrase-file", "pass.txt", cwd=tmp_path)
    (tmp_path / "statement.json").write_bytes(b"{}")
    signed = run(
        "sign", "--key", "key.pem", "--passphrase-file", "wrong.txt", "statement.json", cwd=tmp_path
    )
    assert signed.returncode == 1
    assert "wrong passphrase" in signed.stderr


def test_quorum_is_a_pure_function() -> None:
    rule = {
        "validation": [
            {"member_state": "MLI", "role": "validator", "count": 1},
            {"member_state": "NER", "role": "validator", "count": 2},
        ]
    }
    result = offline.evaluate_quorum(
        rule, [("MLI", "validator", 1), ("NER", "validator", 2), ("NER", "validator", 2)]
    )
    assert not result.met
    assert result.missing == (offline.Requirement("NER", "validator", 1),)
    assert offline.evaluate_quorum(
        rule, [("MLI", "validator", 1), ("NER", "validator", 2), ("NER", "validator", 3)]
    ).met
