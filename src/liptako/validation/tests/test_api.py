"""The API: version status, my key, statements, signatures, bundle verification."""

from __future__ import annotations

import base64

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from liptako.testing import api_headers
from liptako.validation.bundles import bundle_export
from liptako.validation.models import Decision, VersionState, VersionStatus
from liptako.validation.tests.conftest import Signer


def test_issue_sign_and_status_through_the_api(
    in_validation: VersionState, signers: dict[str, Signer], client: Client
) -> None:
    plan = in_validation.plan
    results = []
    for code in ("MLI", "BFA", "NER"):
        signer = signers[code]
        headers = api_headers(signer.user)
        issued = client.post(
            f"/api/v1/validation/plans/{plan.uid}/versions/1/statements",
            {"member_state": code, "decision": "approve"},
            content_type="application/json",
            headers=headers,
        )
        assert issued.status_code == 200, issued.content
        data = base64.b64decode(issued.json()["statement_base64"])
        signed = client.post(
            f"/api/v1/validation/statements/{issued.json()['uid']}/signature",
            {"signature": base64.b64encode(signer.sign(data)).decode()},
            content_type="application/json",
            headers=headers,
        )
        results.append(signed.status_code)
    assert results == [201, 201, 201]
    mine = client.get(
        f"/api/v1/validation/plans/{plan.uid}/versions/1/statements",
        headers=api_headers(signers["NER"].user),
    ).json()
    assert [(s["member_state"], s["signed"]) for s in mine] == [("NER", True)]
    status = client.get(
        f"/api/v1/validation/plans/{plan.uid}/versions/1", headers=api_headers(signers["MLI"].user)
    ).json()
    assert status["status"] == VersionStatus.VALIDATED
    assert len(status["decisions"]) == 3


def test_the_api_says_why_a_signature_is_refused(
    in_validation: VersionState, signers: dict[str, Signer], client: Client
) -> None:
    plan = in_validation.plan
    refused = client.post(
        f"/api/v1/validation/plans/{plan.uid}/versions/1/statements",
        {"member_state": "NER", "decision": "approve"},
        content_type="application/json",
        headers=api_headers(signers["MLI"].user),
    )
    assert refused.status_code == 403
    assert "Niger" in refused.json()["detail"]
    issued = client.post(
        f"/api/v1/validation/plans/{plan.uid}/versions/1/statements",
        {"member_state": "MLI", "decision": "approve"},
        content_type="application/json",
        headers=api_headers(signers["MLI"].user),
    ).json()
    bad = client.post(
        f"/api/v1/validation/statements/{issued['uid']}/signature",
        {"signature": base64.b64encode(signers["MLI"].sign(b"other")).decode()},
        content_type="application/json",
        headers=api_headers(signers["MLI"].user),
    )
    assert bad.status_code == 422
    # someone else's statement does not exist for them
    other = client.post(
        f"/api/v1/validation/statements/{issued['uid']}/signature",
        {"signature": base64.b64encode(signers["BFA"].sign(b"other")).decode()},
        content_type="application/json",
        headers=api_headers(signers["BFA"].user),
    )
    assert other.status_code == 404
    assert not Decision.objects.exists()


def test_my_key_gives_the_wrapped_key_to_its_holder_only(
    signers: dict[str, Signer], client: Client
) -> None:
    mine = client.get("/api/v1/validation/keys/mine", headers=api_headers(signers["MLI"].user))
    assert mine.status_code == 200
    assert mine.json()["fingerprint"] == signers["MLI"].key.fingerprint


def test_verify_an_uploaded_bundle(validated: VersionState, client: Client, observer) -> None:
    bundle = bundle_export(validated.version)
    response = client.post(
        "/api/v1/validation/verify",
        {"bundle": SimpleUploadedFile("bundle.zip", bundle)},
        headers=api_headers(observer),
    )
    assert response.status_code == 200
    assert response.json()["valid"] is True
    tampered = bundle.replace(b"plan.json", b"plan.jsoN")
    response = client.post(
        "/api/v1/validation/verify",
        {"bundle": SimpleUploadedFile("bundle.zip", tampered)},
        headers=api_headers(observer),
    )
    assert response.json()["valid"] is False
