"""Damaged bundles fed to the verifier, page and API (issue #7, bad input; hypothesis).

A signed bundle of a validated version, then truncated, with bytes overwritten, or rebuilt with
some of its files replaced by random JSON: the verifier never answers 500, always says in
French that the bundle is not valid (the page) or ``valid: false`` (the API), and writes
nothing. Oversized uploads are refused before the body is read (413). The number of examples
comes from ``LIPTAKO_FUZZ_FILES`` (docs/security/bad-input.md).
"""

from __future__ import annotations

import html
import io
import json
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liptako.audit.models import AuditEvent
from liptako.testing import api_headers
from liptako.validation.bundles import bundle_export
from liptako.validation.tests.conftest import VersionState

EXAMPLES = int(os.environ.get("LIPTAKO_FUZZ_FILES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def damaged(bundle: bytes, data: st.DataObject) -> bytes:
    """The bundle truncated, overwritten in places, or with members replaced by random JSON."""
    how = data.draw(st.sampled_from(["truncate", "overwrite", "members"]), label="damage")
    if how == "truncate":
        return bundle[: data.draw(st.integers(0, len(bundle) - 1), label="length")]
    if how == "overwrite":
        content = bytearray(bundle)
        for _ in range(data.draw(st.integers(1, 8), label="writes")):
            at = data.draw(st.integers(0, len(content) - 1), label="at")
            content[at] = data.draw(st.integers(0, 255), label="byte")
        return bytes(content)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    replaced = data.draw(
        st.lists(st.sampled_from(sorted(members)), min_size=1, unique=True), label="replaced"
    )
    for name in replaced:
        members[name] = json.dumps(data.draw(json_values, label=name)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def members_of(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_verifier_survives_damaged_bundles(validated: VersionState, observer) -> None:
    bundle = bundle_export(validated.version)
    original = members_of(bundle)
    page_client = Client()
    page_client.force_login(observer)
    api_client = Client()
    headers = api_headers(observer)
    events = AuditEvent.objects.count()

    @FUZZ
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        content = damaged(bundle, data)
        page = page_client.post(
            "/validation/verifier/", {"bundle": SimpleUploadedFile("paquet.zip", content)}
        )
        assert page.status_code == 200
        text = html.unescape(page.content.decode())
        errors = [str(e) for field in page.context["form"].errors.values() for e in field]
        if errors:  # an empty file: the form says so
            assert all(error in text for error in errors)
        elif "Le paquet est valide" in text:
            # Only bytes of the zip's envelope changed (a header's version, …): every file the
            # signatures cover is intact, so the bundle is rightly still valid.
            assert members_of(content) == original
        else:
            assert "Le paquet n\u2019est PAS valide" in text
        response = api_client.post(
            "/api/v1/validation/verify",
            {"bundle": SimpleUploadedFile("paquet.zip", content)},
            headers=headers,
        )
        if response.status_code == 422:  # an empty file
            assert response.json()["detail"] == "La requête n\u2019est pas valide."
        else:
            assert response.status_code == 200
            if response.json()["valid"]:
                assert members_of(content) == original
            else:
                assert response.json()["problems"] or response.json()["signatures"]

    check()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("url", ["/validation/verifier/", "/api/v1/validation/verify"])
def test_an_oversized_bundle_is_refused_before_it_is_read(
    url: str, observer, settings, client: Client
) -> None:
    from liptako.validation.forms import MAX_BUNDLE_BYTES

    client.force_login(observer)
    response = client.post(
        url, {"bundle": SimpleUploadedFile("paquet.zip", b"0" * (MAX_BUNDLE_BYTES + 100_000))}
    )
    assert response.status_code == 413
    assert "trop volumineux" in response.content.decode()


def test_a_body_over_the_ceiling_is_refused_before_parsing(observer, client: Client) -> None:
    """Above LIPTAKO_MAX_UPLOAD_BYTES no view reads the body (core/uploads.py): 413 in JSON."""
    from django.conf import settings as django_settings

    size = django_settings.LIPTAKO_MAX_UPLOAD_BYTES + 1
    response = client.post(
        "/api/v1/validation/verify",
        {"bundle": SimpleUploadedFile("paquet.zip", b"0" * size)},
        headers=api_headers(observer),
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Le fichier est trop volumineux (25 Mo au plus)."}
