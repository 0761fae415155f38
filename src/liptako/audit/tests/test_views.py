"""The audit page (/journal/): for the secretariat only, filterable, paginated, in French."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.audit.services import audit_record

pytestmark = pytest.mark.django_db

LIST = "/journal/"


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_secretariat(secretariat: User) -> Client:
    # Logging in is itself audited (accounts.user.login): log in before the events are made.
    return client_for(secretariat)


@pytest.fixture
def events(as_secretariat: Client, secretariat: User, expert_mli: User) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit_record(
                actor=secretariat,
                verb="plan.create",
                target=expert_mli,
                payload={"title": "Défense et Sécurité", "axes": [1, 2]},
            ),
            audit_record(actor=expert_mli, verb="action.update", payload={"field": "budget"}),
            audit_record(actor=None, verb="audit.checkpoint", payload={}),
        ]


def test_the_secretariat_sees_the_log_in_french(
    as_secretariat: Client, events: list[AuditEvent]
) -> None:
    response = as_secretariat.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Journal</h1>" in page
    assert f"{AuditEvent.objects.count()} événements" in page
    assert "plan.create" in page
    assert "action.update" in page
    assert "Système" in page  # the event without a user
    for event in events:
        assert f'href="/journal/{event.sequence}/"' in page


PERSONAS_REFUSED = [
    "expert_mli",
    "validator_bfa",
    "focal_point_ner",
    "observer",
    "outsider",
    "admin_user",
]


@pytest.mark.parametrize("persona", PERSONAS_REFUSED)
@pytest.mark.parametrize("url", [LIST, "/journal/1/", "/journal/999/", "/journal/export.csv"])
def test_everyone_else_is_refused(
    persona: str, url: str, request: pytest.FixtureRequest, events: list[AuditEvent]
) -> None:
    client = client_for(request.getfixturevalue(persona))
    count = AuditEvent.objects.count()

    response = client.get(url)

    assert response.status_code == 403
    assert b"plan.create" not in response.content
    assert AuditEvent.objects.count() == count


def test_a_superuser_without_the_secretariat_role_is_refused(
    admin_user: User, events: list[AuditEvent]
) -> None:
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])

    assert admin_user.has_perm("audit.view_log")  # Django's superuser shortcut...
    assert client_for(admin_user).get(LIST).status_code == 403  # ...is not honoured here


def test_an_inactive_secretariat_account_cannot_read(secretariat: User) -> None:
    from liptako.audit.permissions import can_view_log

    secretariat.is_active = False
    assert not can_view_log(secretariat)


@pytest.mark.parametrize("url", [LIST, "/journal/1/", "/journal/export.csv"])
def test_the_anonymous_are_sent_to_the_login_page(url: str, events: list[AuditEvent]) -> None:
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/comptes/")
    assert "next=" in response["Location"]


def test_only_get_is_allowed(as_secretariat: Client) -> None:
    assert as_secretariat.post(LIST).status_code == 405


def listed(response) -> list[int]:
    return [int(n) for n in re.findall(r'href="/journal/(\d+)/"', response.content.decode())]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "secretariat", "verb": "plan"}, [0]),  # the username
        ({"actor": "expert.MLI"}, [1]),
        ({"verb": "plan."}, [0]),
        ({"verb": "ACTION.update"}, [1]),
        ({"verb": "audit."}, [2]),
        ({"target_type": "accounts", "verb": "plan"}, [0]),
        ({"target": "expert", "verb": "plan"}, [0]),  # part of the object's label
        ({"verb": "audit", "actor": "nobody"}, []),
    ],
)
def test_it_filters(
    as_secretariat: Client,
    events: list[AuditEvent],
    query: dict[str, str],
    expected: list[int],
) -> None:
    response = as_secretariat.get(LIST, query)

    assert response.status_code == 200
    assert listed(response) == [events[index].sequence for index in expected]


def test_it_filters_by_object_id(
    as_secretariat: Client, expert_mli: User, events: list[AuditEvent]
) -> None:
    response = as_secretariat.get(LIST, {"target": str(expert_mli.pk), "verb": "plan"})

    assert listed(response) == [events[0].sequence]


def test_it_filters_by_whole_days_in_the_users_time_zone(secretariat: User) -> None:
    secretariat.timezone = "Africa/Niamey"  # GMT+1
    secretariat.save(update_fields=["timezone"])
    client = client_for(secretariat)  # audited now, in 2026: outside the days below
    moments = [
        datetime.datetime(2024, 11, 5, 22, 30, tzinfo=datetime.UTC),  # 5 Nov 23:30 in Niamey
        datetime.datetime(2024, 11, 5, 23, 30, tzinfo=datetime.UTC),  # 6 Nov 00:30 in Niamey
        datetime.datetime(2024, 11, 6, 22, 59, tzinfo=datetime.UTC),  # 6 Nov 23:59 in Niamey
        datetime.datetime(2024, 11, 6, 23, 1, tzinfo=datetime.UTC),  # 7 Nov 00:01 in Niamey
    ]
    for moment in moments:
        with time_machine.travel(moment, tick=False), transaction.atomic():
            audit_record(actor=None, verb="meeting.hold")

    one_day = client.get(LIST, {"date_from": "2024-11-06", "date_to": "2024-11-06"})
    from_day = client.get(LIST, {"date_from": "2024-11-07"})
    to_day = client.get(LIST, {"date_to": "2024-11-05"})

    assert listed(one_day) == [4, 3]
    assert listed(from_day) == [5, 1]  # and the log-in, in 2026
    assert listed(to_day) == [2]


def test_bad_dates_are_reported_next_to_the_field(
    as_secretariat: Client, events: list[AuditEvent]
) -> None:
    response = as_secretariat.get(LIST, {"date_from": "2024-11-07", "date_to": "2024-11-06"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "La date de fin est antérieure à la date de début." in page
    response = as_secretariat.get(LIST, {"date_from": "le 6 novembre"})
    assert "Saisissez une date valide." in response.content.decode()
    assert listed(response) == [4, 3, 2, 1]  # an invalid field filters nothing


def test_times_are_shown_in_the_users_time_zone(secretariat: User) -> None:
    secretariat.timezone = "Africa/Niamey"
    secretariat.save(update_fields=["timezone"])
    client = client_for(secretariat)
    with (
        time_machine.travel(datetime.datetime(2024, 11, 6, 9, 5, 7, tzinfo=datetime.UTC)),
        transaction.atomic(),
    ):
        event = audit_record(actor=None, verb="meeting.open")

    page = client.get(LIST).content.decode()
    detail = client.get(f"/journal/{event.sequence}/").content.decode()

    assert "6 nov. 2024, 10:05:07" in page
    assert "Africa/Niamey" in page
    assert "mercredi 6 novembre 2024, 10:05:07" in detail
    assert 'datetime="2024-11-06T10:05:07' in detail


def test_the_page_is_paginated_in_a_constant_number_of_queries(
    secretariat: User,
    as_secretariat: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    settings,
    record: Callable[..., AuditEvent],
) -> None:
    settings.PAGE_SIZE = 5
    client = as_secretariat  # event #1: the log-in

    for _ in range(2):
        record(verb="plan.update")
    with django_assert_num_queries(8) as small:
        client.get(LIST)
    for _ in range(40):
        record(verb="plan.update", actor=secretariat)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(LIST, {"page": "3"})

    assert listed(response) == [33, 32, 31, 30, 29]
    page = response.content.decode()
    assert "Page 3 sur 9" in page
    assert 'href="?page=2"' in page
    assert 'href="?page=4"' in page


def test_page_links_keep_the_filters(as_secretariat: Client, settings, record) -> None:
    settings.PAGE_SIZE = 2
    for _ in range(5):
        record(verb="plan.update")

    page = as_secretariat.get(LIST, {"verb": "plan"}).content.decode()

    assert 'href="?verb=plan&amp;page=2"' in page


def test_htmx_gets_only_the_results(as_secretariat: Client, events: list[AuditEvent]) -> None:
    response = as_secretariat.get(LIST, {"verb": "plan"}, headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "<html" not in page
    assert "<table" in page
    assert listed(response) == [events[0].sequence]


def test_the_event_page_shows_every_field_and_the_payload_as_json(
    as_secretariat: Client, expert_mli: User, events: list[AuditEvent]
) -> None:
    response = as_secretariat.get("/journal/2/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Événement #2" in page
    assert "plan.create" in page
    assert "accounts.user" in page
    assert events[0].hash in page
    assert events[0].prev_hash in page
    assert "&quot;title&quot;: &quot;Défense et Sécurité&quot;" in page
    assert '"axes": [\n    1,\n    2\n  ]' in page.replace("&quot;", '"')
    assert 'href="/journal/1/"' in page  # the previous event
    assert 'href="/journal/3/"' in page  # the next event


def test_the_last_event_has_no_next_link(as_secretariat: Client, events: list[AuditEvent]) -> None:
    page = as_secretariat.get("/journal/4/").content.decode()

    assert 'href="/journal/3/"' in page
    assert 'href="/journal/5/"' not in page


def test_a_missing_event_is_404_for_the_secretariat(
    as_secretariat: Client, events: list[AuditEvent]
) -> None:
    assert as_secretariat.get("/journal/5/").status_code == 404


def test_the_filtered_events_export_as_csv(
    as_secretariat: Client, secretariat: User, events: list[AuditEvent]
) -> None:
    import csv
    import io

    page = as_secretariat.get(LIST, {"verb": "plan", "page": "1"}).content.decode()
    assert 'href="/journal/export.csv?verb=plan"' in page

    response = as_secretariat.get("/journal/export.csv", {"verb": "plan"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "\ufeffN°"
    assert len(rows) == 2
    sequence, time, actor, account, verb, *_rest = rows[1]
    assert (sequence, actor, account, verb) == (
        str(events[0].sequence),
        str(secretariat),
        str(secretariat.pk),
        "plan.create",
    )
    assert time.endswith("+00:00")  # Africa/Bamako
    assert '"title": "Défense et Sécurité"' in rows[1][8]
