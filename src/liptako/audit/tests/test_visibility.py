"""The journal follows need-to-know: a row whose target the reader may not see is not shown.

A secretariat member cleared for DR reads the journal, but not the title (or the changes) of a
plan marked C, of an action marked C inside a visible plan, or of a meeting marked C: not on the
page, not in the CSV export, and an event of such a target answers 404 like a missing one.
"""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from liptako.accounts.models import Role, User
from liptako.audit.models import AuditEvent
from liptako.audit.visibility import registered_target_types
from liptako.core.models import MarkingLevel
from liptako.plans import services as plan_services
from liptako.plans.models import Action, Plan
from liptako.testing import AllianceFixture, make_user

pytestmark = pytest.mark.django_db


def _secret(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:10]}"


@pytest.fixture
def reader(aes: AllianceFixture) -> User:
    return make_user("secretariat.dr", role=Role.SECRETARIAT, clearance="DR")


@pytest.fixture
def world(secretariat: User, aes: AllianceFixture, markings: dict[str, MarkingLevel]) -> dict:
    """A C plan; an NP plan holding a C action; their events written by the services."""
    secret_plan = plan_services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title=_secret("Plan confidentiel"),
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        classification=markings["C"],
    )
    open_plan = plan_services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title=_secret("Plan ouvert"),
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
    )
    axis = plan_services.axis_create(plan=open_plan, actor=secretariat, data={"title": "Axe"})
    objective = plan_services.objective_create(
        axis=axis, actor=secretariat, data={"title": "Objectif"}
    )
    secret_action = plan_services.action_create(
        objective=objective,
        actor=secretariat,
        data={
            "title": _secret("Action confidentielle"),
            "lead_state": aes.mali,
            "start_date": datetime.date(2025, 2, 1),
            "end_date": datetime.date(2025, 6, 30),
            "classification": markings["C"],
        },
    )
    return {"secret_plan": secret_plan, "open_plan": open_plan, "secret_action": secret_action}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _event_of(item: Plan | Action) -> AuditEvent:
    event = AuditEvent.objects.filter(
        target_type=item._meta.label_lower, target_id=str(item.pk)
    ).first()
    assert event is not None
    return event


def test_a_reader_cleared_below_the_target_does_not_see_its_rows(
    world: dict, reader: User, secretariat: User
) -> None:
    page = _client(reader).get("/journal/?target_type=plans").content.decode()
    assert world["open_plan"].title in page
    assert world["secret_plan"].title not in page
    assert world["secret_action"].title not in page
    # The secretariat cleared for C reads them all: the filter hides by clearance only.
    page = _client(secretariat).get("/journal/?target_type=plans").content.decode()
    assert world["secret_plan"].title in page
    assert world["secret_action"].title in page


def test_the_csv_export_leaves_the_same_rows_out(world: dict, reader: User) -> None:
    response = _client(reader).get("/journal/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert world["open_plan"].title in body
    assert world["secret_plan"].title not in body
    assert world["secret_action"].title not in body


def test_an_event_of_a_hidden_target_answers_like_a_missing_event(
    world: dict, reader: User, secretariat: User
) -> None:
    event = _event_of(world["secret_plan"])
    hidden = _client(reader).get(f"/journal/{event.sequence}/")
    missing = _client(reader).get("/journal/987654321/")
    assert hidden.status_code == missing.status_code == 404
    # Same page but for the per-response CSRF token (masked differently each time).
    # The page names the path asked for.
    token = re.compile(rb"[A-Za-z0-9]{64}")
    hidden_page = token.sub(b"", hidden.content).replace(f"/{event.sequence}/".encode(), b"N")
    missing_page = token.sub(b"", missing.content).replace(b"/987654321/", b"N")
    assert hidden_page == missing_page
    assert _client(secretariat).get(f"/journal/{event.sequence}/").status_code == 200
    visible = _event_of(world["open_plan"])
    assert _client(reader).get(f"/journal/{visible.sequence}/").status_code == 200


def test_the_filter_does_not_add_queries_per_row(
    world: dict,
    reader: User,
    secretariat: User,
    aes: AllianceFixture,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = _client(reader)
    client.get("/journal/")  # warm the session
    with CaptureQueriesContext(connection) as first:
        client.get("/journal/")
    for number in range(5):
        plan_services.plan_create(
            actor=secretariat,
            alliance=aes.alliance,
            title=f"Plan {number}",
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/journal/")


def test_every_classified_model_is_registered() -> None:
    """A new app with classified objects must tell the journal how to hide them."""
    from django.apps import apps

    from liptako.core.models import ClassifiedModel

    classified = {
        model._meta.label_lower for model in apps.get_models() if issubclass(model, ClassifiedModel)
    }
    assert classified <= set(registered_target_types())
