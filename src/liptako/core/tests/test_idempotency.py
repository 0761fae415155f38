"""A form sent twice (double click, resubmit after a dropped connection) is handled once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from liptako.accounts.models import Role
from liptako.audit.models import AuditEvent
from liptako.audit.testing import audit_transactional_db  # noqa: F401 (fixture)
from liptako.core.middleware import IdempotencyMiddleware
from liptako.core.models import MarkingLevel, SubmissionKey
from liptako.meetings.models import Meeting, MeetingKind
from liptako.plans.models import Plan
from liptako.testing import make_user

PLAN = {"title": "Plan 2026", "period_start": "2026-01-01", "period_end": "2026-12-31"}


@pytest.mark.django_db
def test_a_plan_sent_twice_with_one_key_is_created_once(client: Client, aes, secretariat):
    client.force_login(secretariat)
    data = {**PLAN, "idempotency_key": str(uuid.uuid4())}
    first = client.post("/plans/nouveau/", data)
    events = AuditEvent.objects.count()
    second = client.post("/plans/nouveau/", data)

    plan = Plan.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/plans/{plan.uid}/"
    assert AuditEvent.objects.count() == events  # the repeat changed nothing at all
    # Both answers tell the page's script that the submission went through.
    assert second.cookies[IdempotencyMiddleware.COOKIE].value == data["idempotency_key"]


@pytest.mark.django_db
def test_a_meeting_sent_twice_with_one_key_is_created_once(
    client: Client, aes, secretariat, markings: dict[str, MarkingLevel]
):
    client.force_login(secretariat)
    data = {
        "title": "Conseil des ministres",
        "kind": MeetingKind.MINISTERS_COUNCIL,
        "starts_at": "2025-03-10T09:00",
        "ends_at": "2025-03-10T17:00",
        "timezone": "Africa/Niamey",
        "city": "Niamey",
        "classification": markings["NP"].pk,
        "idempotency_key": str(uuid.uuid4()),
    }
    responses = [client.post("/reunions/nouvelle/", data) for _ in range(3)]
    assert [response.status_code for response in responses] == [302, 302, 302]
    assert len({response["Location"] for response in responses}) == 1
    assert Meeting.objects.count() == 1


@pytest.mark.django_db
def test_two_keys_are_two_submissions_and_no_key_changes_nothing(client: Client, aes, secretariat):
    client.force_login(secretariat)
    client.post("/plans/nouveau/", {**PLAN, "idempotency_key": str(uuid.uuid4())})
    client.post("/plans/nouveau/", {**PLAN, "idempotency_key": str(uuid.uuid4())})
    client.post("/plans/nouveau/", PLAN)  # a client without the script: handled as always
    client.post("/plans/nouveau/", {**PLAN, "idempotency_key": "not-a-uuid"})
    assert Plan.objects.count() == 4
    assert SubmissionKey.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(
    client: Client, aes, secretariat
):
    client.force_login(secretariat)
    key = str(uuid.uuid4())
    wrong = client.post(
        "/plans/nouveau/", {**PLAN, "period_end": "2025-01-01", "idempotency_key": key}
    )
    assert wrong.status_code == 200  # the form again, with its error: not recorded
    assert not SubmissionKey.objects.exists()
    right = client.post("/plans/nouveau/", {**PLAN, "idempotency_key": key})
    assert right.status_code == 302
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_a_key_belongs_to_its_user(client: Client, aes, secretariat):
    colleague = make_user("secretariat.2", role=Role.SECRETARIAT, clearance="C")
    key = str(uuid.uuid4())
    client.force_login(secretariat)
    client.post("/plans/nouveau/", {**PLAN, "idempotency_key": key})
    client.force_login(colleague)
    answer = client.post("/plans/nouveau/", {**PLAN, "title": "Autre plan", "idempotency_key": key})
    assert answer["Location"] == f"/plans/{Plan.objects.get(title='Autre plan').uid}/"
    assert Plan.objects.count() == 2


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need a server database; SQLite serialises them anyway",
)
@pytest.mark.usefixtures("audit_transactional_db")
def test_concurrent_repeats_create_one_record(aes, secretariat):
    """Eight copies of one submission at once (a slow link's retries): one plan."""
    data = {**PLAN, "idempotency_key": str(uuid.uuid4())}
    barrier = threading.Barrier(8)
    answers: list[tuple[int, str]] = []

    def submit() -> None:
        client = Client()
        client.force_login(secretariat)
        barrier.wait()
        response = client.post("/plans/nouveau/", data)
        answers.append((response.status_code, response.get("Location", "")))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plan = Plan.objects.get()
    assert answers == [(302, f"/plans/{plan.uid}/")] * 8
    assert SubmissionKey.objects.count() == 1
