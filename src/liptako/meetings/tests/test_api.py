"""The meetings API: reads through visible_to, writes for the secretariat only."""

from __future__ import annotations

import pytest
from django.test import Client
from icalendar import Calendar

from liptako.accounts.services import api_token_create
from liptako.meetings import services
from liptako.meetings.models import Meeting, MeetingStatus
from liptako.meetings.tests.conftest import take_decision

API = "/api/v1/meetings"


def bearer(user) -> dict[str, str]:
    token = api_token_create(actor=user, user=user, name="test").clear_token
    return {"Authorization": f"Bearer {token}"}


def test_anonymous_callers_get_401(meeting):
    assert Client().get(API + "/").status_code == 401
    assert Client().get(f"{API}/{meeting.uuid}").status_code == 401


def test_a_restricted_meeting_and_decision_are_invisible_to_other_states(
    meeting, secretariat, validator_bfa, expert_mli, markings, aes
):
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={}, releasable_to=[aes.mali]
    )
    take_decision(meeting, secretariat, text="Pour le Mali")
    client = Client()
    listing = client.get(API + "/", headers=bearer(validator_bfa)).json()
    assert listing["count"] == 0
    assert client.get(f"{API}/{meeting.uuid}", headers=bearer(validator_bfa)).status_code == 404
    assert (
        client.get(f"{API}/{meeting.uuid}/decisions", headers=bearer(validator_bfa)).status_code
        == 404
    )
    assert client.get(f"{API}/follow-ups", headers=bearer(validator_bfa)).json()["count"] == 0
    mali = bearer(expert_mli)
    assert client.get(API + "/", headers=mali).json()["count"] == 1
    detail = client.get(f"{API}/{meeting.uuid}", headers=mali).json()
    assert detail["quorum_reached"] is True
    assert detail["chair"]["display_name"] == "Général de division Oumar DIARRA"


def test_a_dr_decision_is_hidden_from_an_np_reader(meeting, secretariat, observer, markings):
    take_decision(meeting, secretariat, text="Public")
    take_decision(meeting, secretariat, text="Restreint", classification=markings["DR"])
    decisions = Client().get(f"{API}/{meeting.uuid}/decisions", headers=bearer(observer)).json()
    assert [d["text"] for d in decisions] == ["Public"]


def test_the_secretariat_records_a_meeting_through_the_api(meeting, secretariat, aes, delegates):
    client = Client()
    headers = bearer(secretariat)
    first = client.post(
        f"{API}/{meeting.uuid}/agenda",
        {"title": "Ouverture"},
        content_type="application/json",
        headers=headers,
    ).json()
    second = client.post(
        f"{API}/{meeting.uuid}/agenda",
        {"title": "Examen"},
        content_type="application/json",
        headers=headers,
    ).json()
    order = client.put(
        f"{API}/{meeting.uuid}/agenda/order",
        {"item_ids": [second["id"], first["id"]]},
        content_type="application/json",
        headers=headers,
    ).json()
    assert [item["title"] for item in order] == ["Examen", "Ouverture"]
    decision = client.post(
        f"{API}/{meeting.uuid}/decisions",
        {"kind": "validated", "text": "Validé", "follow_up": "Soumettre", "follow_up_state": "MLI"},
        content_type="application/json",
        headers=headers,
    )
    assert decision.status_code == 201
    assert decision.json()["reference"] == "CEMGA-2024-11/D1"
    minutes = client.put(
        f"{API}/{meeting.uuid}/minutes/{first['id']}",
        {"body": "Texte"},
        content_type="application/json",
        headers=headers,
    )
    assert minutes.status_code == 200
    assert (
        client.get(f"{API}/{meeting.uuid}/minutes", headers=headers).json()["sections"][0]["body"]
        == "Texte"
    )
    moved = client.post(
        f"{API}/{meeting.uuid}/status",
        {"to": "held"},
        content_type="application/json",
        headers=headers,
    )
    assert moved.status_code == 422  # planned cannot become held
    attendance = client.get(f"{API}/{meeting.uuid}/attendance", headers=headers).json()
    assert {a["member_state"] for a in attendance} == {"MLI", "BFA", "NER"}
    follow_up = client.post(
        f"{API}/decisions/{decision.json()['id']}/follow-up",
        {"status": "done"},
        content_type="application/json",
        headers=headers,
    )
    assert follow_up.json()["follow_up_status"] == "done"


@pytest.mark.parametrize("persona", ["expert_mli", "validator_bfa", "observer"])
def test_other_roles_cannot_write(request, meeting, persona):
    headers = bearer(request.getfixturevalue(persona))
    client = Client()
    assert (
        client.post(
            f"{API}/{meeting.uuid}/agenda",
            {"title": "Intrus"},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/{meeting.uuid}/status",
            {"to": "convened"},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"{API}/{meeting.uuid}/decisions",
            {"kind": "noted", "text": "x"},
            content_type="application/json",
            headers=headers,
        ).status_code
        == 403
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not meeting.agenda_items.exists()
    assert not meeting.decisions.exists()


def test_the_api_serves_the_ics_of_a_meeting(meeting, expert_mli):
    response = Client().get(f"{API}/{meeting.uuid}/ics", headers=bearer(expert_mli))
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == meeting.ics_uid


def plan_summit(secretariat, headers: dict[str, str] | None = None, **fields: str):
    """POST a summit in Niamey on 6 July 2025 as the secretariat, ``fields`` changed."""
    body = {
        "title": "Sommet",
        "kind": "summit",
        "starts_at": "2025-07-06T09:00:00Z",
        "ends_at": "2025-07-06T18:00:00Z",
        "city": "Niamey",
        **fields,
    }
    return Client().post(
        API + "/",
        body,
        content_type="application/json",
        headers={**bearer(secretariat), **(headers or {})},
    )


def test_the_secretariat_plans_a_meeting_through_the_api(aes, secretariat):
    response = plan_summit(secretariat, host_state="NER")
    assert response.status_code == 201
    assert Meeting.objects.get(title="Sommet").host_state.code == "NER"


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        # Found by schemathesis on PostgreSQL: an offset no place uses, in a year long gone.
        ("0639-02-26T08:04:14.2+20:54", "aucun lieu"),
        ("0639-02-26T08:04:14", "entre 1990 et 2100"),
        ("0001-01-01T00:00:00+05:00", "entre 1990 et 2100"),
        ("9999-12-31T23:00:00-05:00", "entre 1990 et 2100"),
    ],
)
def test_a_meeting_date_out_of_range_is_refused_in_french(aes, secretariat, starts_at, message):
    response = plan_summit(secretariat, {"Accept-Language": "fr"}, starts_at=starts_at)
    assert response.status_code in (400, 422)
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_time_without_offset_is_the_meeting_citys_local_time(aes, secretariat):
    response = plan_summit(
        secretariat,
        starts_at="2025-07-06T09:00:00",
        ends_at="2025-07-06T18:00:00",
        timezone="Africa/Niamey",
    )
    assert response.status_code == 201
    meeting = Meeting.objects.get(title="Sommet")
    assert meeting.starts_at.isoformat() == "2025-07-06T08:00:00+00:00"
