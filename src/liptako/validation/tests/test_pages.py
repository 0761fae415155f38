"""The validation pages: plan workflow, signing page (upload path, works without JS), keys,
register, quorum, verify; and the authorization matrix of the writes."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.plans.models import Plan, PlanStatus
from liptako.testing import AllianceFixture
from liptako.validation.bundles import bundle_export
from liptako.validation.models import (
    Decision,
    IssuedStatement,
    KeyStatus,
    SigningKey,
    VersionState,
    VersionStatus,
)
from liptako.validation.tests.conftest import Signer, raw_public


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_signing_page_shows_what_is_signed_and_records_an_uploaded_signature(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    signer = signers["MLI"]
    plan = in_validation.plan
    url = f"/validation/plans/{plan.uid}/versions/1/signer/MLI/approve/"
    page = _client(signer.user).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert in_validation.version.digest in text
    assert "signing.js" in text
    assert "<script>" not in text  # no inline script
    assert 'id="statement-issue"' in text
    issued = _client(signer.user).post(url, {"issue": "1"})
    assert issued.status_code == 302
    assert issued.url == url
    statement = IssuedStatement.objects.get(signer=signer.user)
    page = _client(signer.user).get(url)
    assert statement.canonical in page.content.decode().replace("&quot;", '"')
    download = _client(signer.user).get(f"/validation/declarations/{statement.uid}.json")
    assert download.content == statement.data
    signature = base64.b64encode(signer.sign(download.content)).decode()
    response = _client(signer.user).post(url, {"signature": signature})
    assert response.status_code == 302
    assert Decision.objects.filter(actor=signer.user, kind="approve").count() == 1


def test_a_bad_signature_upload_is_refused_next_to_the_field(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    signer = signers["MLI"]
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    client = _client(signer.user)
    client.post(url, {"issue": "1"})
    bad = base64.b64encode(signer.sign(b"another statement")).decode()
    response = client.post(url, {"signature": bad})
    assert response.status_code == 400
    assert "signature" in response.content.decode().lower()
    assert not Decision.objects.exists()


def test_opening_the_signing_page_writes_nothing(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    client = _client(signers["MLI"].user)
    before = AuditEvent.objects.count()
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200
        assert "Préparer la déclaration à signer" in page.content.decode()
    assert not IssuedStatement.objects.exists()
    assert AuditEvent.objects.count() == before


def test_preparing_the_statement_twice_issues_it_once_with_the_same_bytes(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    client = _client(signers["MLI"].user)
    client.post(url, {"issue": "1"})
    first = IssuedStatement.objects.get().canonical
    client.post(url, {"issue": "1"})  # a double click or a second tab
    assert IssuedStatement.objects.get().canonical == first
    page = client.get(url)
    assert 'id="statement-text"' in page.content.decode()
    assert 'id="signature-upload"' in page.content.decode()
    assert 'id="statement-issue"' not in page.content.decode()


def test_a_signature_before_the_statement_is_prepared_is_refused(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/MLI/approve/"
    client = _client(signers["MLI"].user)
    response = client.post(url, {"signature": base64.b64encode(b"x" * 64).decode()}, follow=True)
    assert "Préparez d’abord la déclaration" in response.content.decode()  # noqa: RUF001
    assert not IssuedStatement.objects.exists()
    assert not Decision.objects.exists()


def test_a_validator_cannot_open_the_signing_page_of_another_state(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/NER/approve/"
    client = _client(signers["MLI"].user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="refusal"' in page.content.decode()
    response = client.post(url, {"signature": base64.b64encode(b"x" * 64).decode()})
    assert response.status_code == 200
    response = client.post(url, {"issue": "1"})
    assert response.status_code == 200
    assert 'id="refusal"' in response.content.decode()
    assert not Decision.objects.exists()
    assert not IssuedStatement.objects.exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (None, 302),
        ("outsider", 404),
        ("expert_mli", 302),
        ("validator_bfa", 302),
        ("secretariat", 302),
    ],
)
def test_authorization_of_sending_to_validation(
    persona: str | None, expected: int, request: pytest.FixtureRequest, plan: Plan
) -> None:
    user = request.getfixturevalue(persona) if persona else None
    response = _client(user).post(f"/validation/plans/{plan.uid}/envoyer/")
    assert response.status_code == expected
    plan.refresh_from_db()
    if persona == "secretariat":
        assert plan.status == PlanStatus.IN_VALIDATION
    else:
        assert plan.status == PlanStatus.DRAFTING
        assert not VersionState.objects.exists()
        if persona is not None and expected == 302:
            assert response.url == f"/validation/plans/{plan.uid}/"


def test_the_plan_page_lists_versions_and_what_awaits_the_user(
    in_validation: VersionState, signers: dict[str, Signer], django_assert_max_num_queries
) -> None:
    client = _client(signers["NER"].user)
    page = client.get(f"/validation/plans/{in_validation.plan.uid}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/NER/approve/" in text
    assert in_validation.version.short_digest in text


def test_submit_through_the_page(
    validated: VersionState, secretariat: User, validator_bfa: User
) -> None:
    url = f"/validation/plans/{validated.plan.uid}/versions/1/soumettre/"
    _client(validator_bfa).post(url)
    validated.refresh_from_db()
    assert validated.status == VersionStatus.VALIDATED
    _client(secretariat).post(url)
    validated.refresh_from_db()
    assert validated.status == VersionStatus.SUBMITTED
    # a second click: the workflow moved once, the message says why
    response = _client(secretariat).post(url, follow=True)
    assert "validée" in response.content.decode() or "validated" in response.content.decode()
    assert Decision.objects.filter(kind="submit").count() == 1


def test_request_changes_page(in_validation: VersionState, signers: dict[str, Signer]) -> None:
    url = f"/validation/plans/{in_validation.plan.uid}/versions/1/modifications/BFA/"
    client = _client(signers["BFA"].user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reasons": "À revoir", "item_reasons": "ZZ9: inconnu"})
    assert response.status_code == 400  # unknown code, next to the field
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.IN_VALIDATION
    response = client.post(url, {"reasons": "À revoir", "item_reasons": "A1.1.1: décaler"})
    assert response.status_code == 302
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.CHANGES_REQUESTED


def test_key_registration_offline_and_confirmation_by_the_secretariat(
    validator_bfa: User, secretariat: User, expert_mli: User
) -> None:
    raw = raw_public(Ed25519PrivateKey.generate())
    response = _client(validator_bfa).post(
        "/validation/cles/", {"public_key": base64.b64encode(raw).decode()}
    )
    assert response.status_code == 302
    key = SigningKey.objects.get(holder=validator_bfa)
    assert key.status == KeyStatus.PENDING
    assert key.wrapped_private_key is None
    assert _client(expert_mli).get("/validation/cles/registre/").status_code == 403
    register = _client(secretariat).get("/validation/cles/registre/")
    assert key.fingerprint_words in register.content.decode()
    refused = _client(validator_bfa).post(f"/validation/cles/{key.uid}/confirmer/", follow=True)
    assert "secr" in refused.content.decode().lower()  # only the secretariat confirms
    assert _client(expert_mli).post(f"/validation/cles/{key.uid}/confirmer/").status_code == 404
    key.refresh_from_db()
    assert key.status == KeyStatus.PENDING
    _client(secretariat).post(f"/validation/cles/{key.uid}/confirmer/")
    key.refresh_from_db()
    assert key.status == KeyStatus.CONFIRMED
    assert AuditEvent.objects.filter(verb="signing_key.confirm").exists()


def test_the_key_page_offers_browser_generation_and_the_offline_path(
    validator_bfa: User, expert_mli: User
) -> None:
    page = _client(validator_bfa).get("/validation/cles/")
    text = page.content.decode()
    assert 'id="browser-keygen"' in text
    assert 'id="offline-key"' in text
    assert _client(expert_mli).get("/validation/cles/").status_code == 403


def test_quorum_page(secretariat: User, validator_bfa: User, aes: AllianceFixture) -> None:
    assert _client(validator_bfa).get("/validation/quorum/").status_code == 403
    page = _client(secretariat).get("/validation/quorum/")
    assert page.status_code == 200
    data = {"lock_version": 0, "adoption_role": "authority"}
    for state in aes.states:
        data[f"count_{state.code}_validator"] = 1
        data[f"count_{state.code}_authority"] = 0
    data["count_NER_validator"] = 2
    assert _client(secretariat).post("/validation/quorum/", data).status_code == 302
    from liptako.validation.services import quorum_rule_for

    rule = quorum_rule_for(aes.alliance)
    assert {"member_state": "NER", "role": "validator", "count": 2} in rule["validation"]
    # a stale form is refused
    assert _client(secretariat).post("/validation/quorum/", data).status_code == 400


def test_bundle_download_and_verify_page(
    validated: VersionState, secretariat: User, observer: User
) -> None:
    # The bundle is made by the documents (it holds the PDF); the old address leads there.
    url = f"/validation/plans/{validated.plan.uid}/versions/1/paquet.zip"
    response = _client(secretariat).get(url, follow=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    # NP clearance, the plan holds DR
    assert _client(observer).get(url, follow=True).status_code == 403
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = _client(observer).post(
        "/validation/verifier/", {"bundle": SimpleUploadedFile("b.zip", response.content)}
    )
    assert "VERDICT: VALID" in page.content.decode()


def test_home_page_lists_the_decisions_awaiting_the_validator(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    page = _client(signers["BFA"].user).get("/")
    assert (
        f"/validation/plans/{in_validation.plan.uid}/versions/1/signer/BFA/approve/"
        in page.content.decode()
    )


def test_bundle_export_is_constant_in_queries(
    validated: VersionState, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(8):
        bundle_export(validated.version)


def test_the_plan_page_takes_a_constant_number_of_queries(
    plan: Plan, secretariat: User, signers: dict[str, Signer], django_assert_num_queries
) -> None:
    from liptako.validation import services
    from liptako.validation.tests.conftest import approve

    client = _client(signers["NER"].user)
    url = f"/validation/plans/{plan.uid}/"
    state = services.validation_open(plan=plan, actor=secretariat)
    client.get(url)  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    approve(signers["MLI"], state.version)
    for _ in range(3):
        services.validation_open(plan=plan, actor=secretariat)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_key_register_takes_a_constant_number_of_queries(
    secretariat: User, validator_bfa: User, aes: AllianceFixture, django_assert_num_queries
) -> None:
    from liptako.testing import make_user
    from liptako.validation import services

    client = _client(secretariat)
    services.signing_key_register(
        actor=validator_bfa, public_key=raw_public(Ed25519PrivateKey.generate())
    )
    client.get("/validation/cles/registre/")
    with CaptureQueriesContext(connection) as small:
        client.get("/validation/cles/registre/")
    for index in range(4):
        user = make_user(f"v{index}", role="validator", member_state=aes.mali)
        services.signing_key_register(
            actor=user, public_key=raw_public(Ed25519PrivateKey.generate())
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/validation/cles/registre/")


def test_a_version_frozen_earlier_is_sent_to_validation_as_it_is(
    plan: Plan, secretariat: User
) -> None:
    from liptako.plans.services import plan_version_freeze

    version = plan_version_freeze(plan=plan, actor=secretariat)
    page = _client(secretariat).get(f"/validation/plans/{plan.uid}/")
    assert "telle quelle" in page.content.decode()
    _client(secretariat).post(f"/validation/plans/{plan.uid}/envoyer/", {"version": "1"})
    state = VersionState.objects.get()
    assert state.version == version
    assert state.status == VersionStatus.IN_VALIDATION
    assert plan.versions.count() == 1
