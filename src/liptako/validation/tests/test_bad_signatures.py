"""Damaged signatures fed to the signing page and API (issue #7, bad input; hypothesis).

The holder of a confirmed key has the statement issued; random bytes, odd Unicode text,
truncated, extended or bit-flipped real signatures, base64 and hex of the wrong length,
signatures over another statement or by another key, non-UTF-8 and empty values are then
uploaded — typed in the page's field, as the page's signature file, or in the API's JSON body.
Never a 500; a French reason every time; nothing recorded (no decision, no audit event, the
version's workflow state unchanged) unless the value is the one valid signature, written as the
raw 64 bytes (a file) or as its base64, whitespace anywhere ignored (decision 0215), which is
recorded once. Bodies over the limit are refused from their ``Content-Length`` before they are
read. The number of examples comes from ``LIPTAKO_FUZZ_FILES`` (docs/security/bad-input.md).
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liptako.audit.models import AuditEvent
from liptako.testing import api_headers
from liptako.validation.models import Decision, IssuedStatement, VersionState
from liptako.validation.tests.conftest import Signer

EXAMPLES = int(os.environ.get("LIPTAKO_FUZZ_FILES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Every refusal the page or the API may give, in French (the start of each message).
FRENCH_REFUSALS = (
    "Donnez la signature, saisie ou en fichier.",
    "La signature doit faire 64 octets, en base64.",
    "La signature ne correspond pas à la déclaration qui vous a été émise",
    "Le fichier de signature est trop volumineux",
    "Le fichier soumis est vide.",
    "Le caractère nul n\u2019est pas autorisé.",
    "La requête n\u2019est pas valide.",
)
BASE64_OF_64_BYTES = re.compile(r"[A-Za-z0-9+/]{86}==")
MAX_SIGNATURE_FILE = 1024


def is_the_signature(value: str | bytes, signature: bytes, *, file: bool) -> bool:
    """The rule the page and the API follow, written independently of their code."""
    if file and isinstance(value, str):
        value = value.encode()  # a file holds bytes
    if isinstance(value, bytes):
        if file and len(value) > MAX_SIGNATURE_FILE:
            return False
        if file and value == signature:
            return True
        try:
            value = value.decode("ascii" if file else "utf-8")
        except UnicodeDecodeError:
            return False
    compact = "".join(value.split())
    return bool(BASE64_OF_64_BYTES.fullmatch(compact)) and base64.b64decode(compact) == signature


def wrapped(text: str, width: int) -> str:
    """Base64 as `openssl base64` writes it: lines of ``width`` characters."""
    return "\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\n"


def candidate(data: st.DataObject, good: bytes, others: list[bytes]) -> str | bytes:
    """A damaged, foreign or (sometimes) valid signature, as text or bytes."""
    encoded = base64.b64encode(good).decode()
    how = data.draw(
        st.sampled_from(
            [
                "random",
                "text",
                "truncated",
                "extended",
                "flipped",
                "wrong-length",
                "hex",
                "other",
                "non-utf8",
                "empty",
                "huge",
                "valid",
            ]
        ),
        label="kind",
    )
    if how == "random":
        return data.draw(st.binary(max_size=200), label="bytes")
    if how == "text":
        return data.draw(st.text(max_size=120), label="text")
    if how == "truncated":
        whole: str | bytes = data.draw(st.sampled_from([good, encoded]), label="form")
        return whole[: data.draw(st.integers(0, len(whole) - 1), label="length")]
    if how == "extended":
        if data.draw(st.booleans(), label="raw"):
            return good + data.draw(st.binary(min_size=1, max_size=64), label="tail")
        return encoded + data.draw(st.text(min_size=1, max_size=64), label="tail")
    if how == "flipped":
        raw = bytearray(good)
        at = data.draw(st.integers(0, 63), label="at")
        raw[at] ^= 1 << data.draw(st.integers(0, 7), label="bit")
        return (
            bytes(raw) if data.draw(st.booleans(), label="raw") else base64.b64encode(raw).decode()
        )
    if how == "wrong-length":
        raw = data.draw(st.binary(max_size=160).filter(lambda value: len(value) != 64), label="raw")
        return base64.b64encode(raw).decode()
    if how == "hex":
        raw = data.draw(st.sampled_from([good, *others]) | st.binary(max_size=96), label="raw")
        return raw.hex()
    if how == "other":  # a well-formed signature over another statement, or by another key
        raw = data.draw(st.sampled_from(others), label="raw")
        return raw if data.draw(st.booleans(), label="raw") else base64.b64encode(raw).decode()
    if how == "non-utf8":
        return b"\xff" + data.draw(st.binary(max_size=100), label="bytes") + b"\xc3"
    if how == "empty":
        return data.draw(st.sampled_from(["", " ", "\n\t", b"", b"\r\n"]), label="empty")
    if how == "huge":  # a whole kilobyte and more: whitespace around, or junk after
        filler = data.draw(st.sampled_from([" ", "\n", "A", "\x00"]), label="filler")
        return encoded + filler * data.draw(st.integers(900, 3000), label="count")
    return data.draw(
        st.sampled_from(
            [
                good,
                encoded,
                encoded + "\n",
                f"  {encoded}\r\n",
                wrapped(encoded, 64),  # openssl base64
                wrapped(encoded, 76),
            ]
        ),
        label="valid",
    )


def json_body(value: str | bytes) -> bytes:
    """``{"signature": value}``; bytes that are not UTF-8 are written as they are (bad JSON)."""
    if isinstance(value, str):
        return json.dumps({"signature": value}).encode()
    try:
        return json.dumps({"signature": value.decode("utf-8")}).encode()
    except UnicodeDecodeError:
        escaped = value.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        escaped = re.sub(rb"[\x00-\x1f]", lambda m: b"\\u%04x" % m.group()[0], escaped)
        return b'{"signature": "' + escaped + b'"}'


def french_refusal(message: str) -> bool:
    return message.startswith(FRENCH_REFUSALS)


def snapshot(state: VersionState) -> tuple[Any, ...]:
    state.refresh_from_db()
    return (
        Decision.objects.count(),
        AuditEvent.objects.count(),
        IssuedStatement.objects.count(),
        state.status,
        state.status_changed_at,
    )


def test_the_signing_page_and_api_survive_damaged_signatures(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    signer = signers["MLI"]
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    page_client = Client()
    page_client.force_login(signer.user)
    assert page_client.post(url, {"issue": "1"}).status_code == 302
    statement = IssuedStatement.objects.get(signer=signer.user)
    api_url = f"/api/v1/validation/statements/{statement.uid}/signature"
    headers = api_headers(signer.user)
    good = signer.sign(statement.data)
    others = [
        signer.sign(statement.data + b" "),  # another statement
        signer.sign(statement.data.replace(b"approve", b"adopt")),
        signers["BFA"].sign(statement.data),  # another key
    ]
    before = snapshot(in_validation)
    accepted: list[str] = []

    @FUZZ
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        value = candidate(data, good, others)
        way = data.draw(st.sampled_from(["field", "file", "api"]), label="way")
        valid = is_the_signature(value, good, file=way == "file")
        with transaction.atomic():
            if way == "api":
                response = page_client.post(
                    api_url, json_body(value), content_type="application/json", headers=headers
                )
                assert response.status_code != 500
                if valid:
                    assert response.status_code == 201, response.content
                else:
                    assert response.status_code in (400, 422), response.content
                    assert french_refusal(response.json()["detail"]), response.json()
            else:
                if way == "file":
                    raw = value.encode() if isinstance(value, str) else value
                    fields: dict[str, Any] = {
                        "signature_file": SimpleUploadedFile("signature.bin", raw)
                    }
                else:
                    fields = {"signature": value}
                response = page_client.post(url, fields)
                if valid:
                    assert response.status_code == 302, response.content
                else:
                    assert response.status_code == 400, response.content
                    text = html.unescape(response.content.decode())
                    errors = [
                        str(e) for field in response.context["form"].errors.values() for e in field
                    ]
                    assert errors
                    for error in errors:
                        assert error in text
                        assert french_refusal(error), error
            if valid:
                accepted.append(way)
                assert Decision.objects.filter(actor=signer.user, statement=statement).count() == 1
            else:
                assert snapshot(in_validation) == before
            transaction.set_rollback(True)

    check()
    assert snapshot(in_validation) == before


@pytest.mark.parametrize("way", ["file", "field", "api"])
def test_a_signature_body_over_the_limit_is_refused_before_it_is_read(
    in_validation: VersionState, signers: dict[str, Signer], way: str
) -> None:
    from django.conf import settings as django_settings

    from liptako.validation.forms import MAX_SIGNATURE_BODY_BYTES

    signer = signers["MLI"]
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    client = Client()
    client.force_login(signer.user)
    client.post(url, {"issue": "1"})
    statement = IssuedStatement.objects.get(signer=signer.user)
    headers = api_headers(signer.user)  # a new token is audited: before the snapshot
    before = snapshot(in_validation)
    huge = base64.b64encode(signer.sign(statement.data)) + b" " * (MAX_SIGNATURE_BODY_BYTES + 1)
    if way == "api":  # a JSON body: Django's DATA_UPLOAD_MAX_MEMORY_SIZE is its limit
        huge += b" " * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        response = client.post(
            f"/api/v1/validation/statements/{statement.uid}/signature",
            b'{"signature": "' + huge + b'"}',
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == 413
        assert response.json()["detail"].startswith("La requête est trop volumineuse")
        assert response.wsgi_request._read_started is False
    else:
        fields: dict[str, Any] = (
            {"signature_file": SimpleUploadedFile("signature.b64", huge)}
            if way == "file"
            else {"signature": huge.decode()}
        )
        response = client.post(url, fields)
        assert response.status_code == 413
        assert "La signature est trop volumineuse" in html.unescape(response.content.decode())
        assert response.wsgi_request._read_started is False  # the view never read the body
    assert snapshot(in_validation) == before
