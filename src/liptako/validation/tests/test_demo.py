"""The demo: version 1 validated by the three chiefs on 6 November 2024 and submitted; its
bundle verifies; the chiefs' keys are on disk, encrypted, with their passphrases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from liptako.demo.loader import load_demo
from liptako.plans.models import Plan, PlanStatus, PlanVersion
from liptako.validation.bundles import bundle_export
from liptako.validation.models import Decision, VersionState, VersionStatus
from liptako.validation.offline import load_private_key, verify_bundle


@pytest.fixture
def demo(db: None, settings, tmp_path: Path, django_capture_on_commit_callbacks) -> Path:
    settings.LIPTAKO_HOME = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    return tmp_path


def test_version_1_is_validated_by_the_three_chiefs_and_submitted(demo: Path) -> None:
    plan = Plan.objects.get()
    version = PlanVersion.objects.get(plan=plan, number=1)
    submitted = Decision.objects.get(version=version, kind="submit")
    assert submitted.decided_at.date() == dt.date(2024, 11, 6)
    # Submitted to the heads of state; the monitoring part of the demo then records its
    # adoption, so that the year's progress can be reported on.
    assert (plan.status, VersionState.objects.get(version=version).status) in {
        (PlanStatus.SUBMITTED, VersionStatus.SUBMITTED),
        (PlanStatus.IN_IMPLEMENTATION, VersionStatus.ADOPTED),
    }
    approvals = Decision.objects.filter(version=version, kind="approve").select_related("statement")
    assert sorted(d.member_state.code for d in approvals) == ["BFA", "MLI", "NER"]
    assert {d.decided_at.date() for d in approvals} == {dt.date(2024, 11, 6)}
    mali = next(d for d in approvals if d.member_state.code == "MLI")
    statement = json.loads(mali.statement.canonical)
    assert statement["signer"]["name"] == "Général de division Oumar DIARRA"
    assert statement["issued_at"].startswith("2024-11-06")
    report = verify_bundle(bundle_export(version))
    assert report.ok, report.lines()


def test_the_demo_keys_are_written_encrypted_with_their_passphrases(demo: Path) -> None:
    lines = [
        line.split("\t")
        for line in (demo / "demo-key-passphrases.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert [username for username, _ in lines] == [
        "validateur.mli",
        "validateur.bfa",
        "validateur.ner",
    ]
    for username, passphrase in lines:
        pem = (demo / "demo-keys" / f"{username}.pem").read_bytes()
        assert b"ENCRYPTED PRIVATE KEY" in pem
        load_private_key(pem, passphrase.encode())
    assert oct((demo / "demo-key-passphrases.txt").stat().st_mode & 0o777) == "0o600"


def test_a_demo_reset_reloads_the_validation(
    demo: Path, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        load_demo(reset=True)
    assert Decision.objects.filter(kind="approve").count() == 3
