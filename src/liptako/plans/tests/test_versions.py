"""Frozen versions: canonical JSON, digest, immutability."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import DatabaseError, transaction

from liptako.audit.models import AuditEvent
from liptako.core.canonical import canonical_json
from liptako.plans import services
from liptako.plans.models import PlanVersion
from liptako.plans.selectors import plan_snapshot


def test_freezing_records_the_canonical_json_and_its_digest(small_plan, secretariat):
    version = services.plan_version_freeze(
        plan=small_plan.plan, actor=secretariat, note="Atelier des experts"
    )
    assert version.number == 1
    assert version.digest == hashlib.sha256(version.canonical.encode()).hexdigest()
    assert canonical_json(version.content) == version.canonical.encode()
    content = version.content
    assert content["format"] == "liptako.plan/1"
    axis = content["axes"][0]
    action = axis["objectives"][0]["actions"][0]
    assert action["uid"] == str(small_plan.action_np.uid)
    assert action["code"] == "A1.1.1"
    assert action["budget_amount"] == "1250000"
    assert action["partner_states"] == ["BFA", "NER"]
    assert action["start_date"] == "2025-02-01"
    assert action["indicators"][0]["target_value"] == "80"
    assert action["milestones"][0]["due_date"] == "2025-05-15"
    event = AuditEvent.objects.get(verb="plan.freeze")
    assert event.payload["digest"] == version.digest
    assert event.payload["note"] == "Atelier des experts"


def test_numbers_increase_and_identical_content_gives_the_same_digest(small_plan, secretariat):
    first = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    second = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    assert (first.number, second.number) == (1, 2)
    assert first.digest == second.digest
    services.action_update(
        action=small_plan.action_np, actor=secretariat, lock_version=1, data={"title": "Autre"}
    )
    third = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    assert third.digest != first.digest


def test_a_frozen_version_cannot_be_updated_or_deleted(small_plan, secretariat):
    version = services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    with pytest.raises(DatabaseError), transaction.atomic():
        PlanVersion.objects.filter(pk=version.pk).update(note="falsifié")
    with pytest.raises(DatabaseError), transaction.atomic():
        PlanVersion.objects.filter(pk=version.pk).delete()
    version.refresh_from_db()
    assert version.note == ""
    assert json.loads(version.canonical)["plan"]["title"] == small_plan.plan.title


def test_a_historical_freeze_keeps_its_time(small_plan, secretariat):
    from datetime import UTC, datetime

    moment = datetime(2024, 11, 5, 17, 0, tzinfo=UTC)
    version = services.plan_version_freeze(
        plan=small_plan.plan, actor=secretariat, frozen_at=moment
    )
    assert PlanVersion.objects.get(pk=version.pk).created_at == moment


def test_the_snapshot_takes_a_constant_number_of_queries(
    small_plan, secretariat, django_assert_num_queries, aes
):
    from datetime import date

    with django_assert_num_queries(11) as small:
        plan_snapshot(plan=small_plan.plan)
    for n in range(15):
        action = services.action_create(
            objective=small_plan.objective12,
            actor=secretariat,
            data={
                "title": f"Action {n}",
                "lead_state": aes.niger,
                "partner_states": [aes.mali],
                "start_date": date(2025, 1, 1),
                "end_date": date(2025, 3, 1),
            },
        )
        services.indicator_create(
            action=action, actor=secretariat, data={"name": "Nombre", "target_value": 3}
        )
    with django_assert_num_queries(len(small.captured_queries)):
        plan_snapshot(plan=small_plan.plan)
