"""Meeting pages: who sees what, what the secretariat may change, constant query counts."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core import mail
from django.test import Client

from liptako.audit.models import AuditEvent
from liptako.meetings import services
from liptako.meetings.models import Meeting, MeetingKind, MeetingStatus
from liptako.meetings.tests.conftest import at, take_decision


def text(response) -> str:
    """The page as a reader sees it (HTML entities decoded)."""
    return html.unescape(response.content.decode())


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def restrict(meeting, secretariat, markings, states):
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        revision=meeting.revision,
        changes={"classification": markings["DR"]},
        releasable_to=states,
    )
    meeting.refresh_from_db()


def test_anonymous_visitors_are_sent_to_the_login_page(meeting):
    response = Client().get(f"/reunions/{meeting.uuid}/")
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretariat", 200),
        ("expert_mli", 200),  # Mali, DR clearance
        ("validator_bfa", 404),  # not released to Burkina Faso
        ("observer", 404),  # Mali, but NP clearance only
        ("outsider", 403),  # no role: no meetings at all
        ("admin_user", 403),  # technical administrator sees no content
    ],
)
def test_a_restricted_meeting_is_seen_only_by_those_it_is_released_to(
    request, meeting, secretariat, markings, aes, persona, status
):
    restrict(meeting, secretariat, markings, [aes.mali])
    client = client_for(request.getfixturevalue(persona))
    detail = client.get(f"/reunions/{meeting.uuid}/")
    expected_detail = 404 if status == 403 else status
    assert detail.status_code == expected_detail
    listing = client.get("/reunions/")
    if status == 200:
        assert meeting.title in text(listing)
    else:
        assert meeting.title not in text(listing)


def test_the_meeting_page_shows_agenda_delegations_quorum_and_decisions(meeting, secretariat):
    services.agenda_item_add(actor=secretariat, meeting=meeting, title="Examen du projet de plan")
    take_decision(meeting, secretariat, text="Le projet est validé.", follow_up="Soumettre")
    page = text(client_for(secretariat).get(f"/reunions/{meeting.uuid}/"))
    assert "Examen du projet de plan" in page
    assert "Général de division Oumar DIARRA" in page
    assert "Chef d'État-major Général des Armées du Mali" in page
    assert "Quorum atteint" in page
    assert "CEMGA-2024-11/D1" in page
    assert "NP" in page


@pytest.mark.parametrize("persona", ["expert_mli", "validator_bfa", "observer"])
def test_only_the_secretariat_convenes(
    request, meeting, persona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(request.getfixturevalue(persona)).post(
            f"/reunions/{meeting.uuid}/statut/", {"to": "convened"}
        )
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not mail.outbox


def test_the_secretariat_plans_a_meeting_from_the_form(aes, secretariat, markings, delegates):
    response = client_for(secretariat).post(
        "/reunions/nouvelle/",
        {
            "title": "Conseil des ministres",
            "kind": MeetingKind.MINISTERS_COUNCIL,
            "starts_at": "2025-03-10T09:00",
            "ends_at": "2025-03-10T17:00",
            "timezone": "Africa/Niamey",
            "city": "Niamey",
            "classification": markings["NP"].pk,
            "chair": delegates.ner_chief.pk,
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="Conseil des ministres")
    # 09:00 in Niamey (GMT+1) is 08:00 UTC.
    assert meeting.starts_at == dt.datetime(2025, 3, 10, 8, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(verb="meeting.create", target_id=str(meeting.pk)).exists()


def test_a_form_error_is_shown_next_to_the_field_and_nothing_is_saved(aes, secretariat, markings):
    client = client_for(secretariat)
    response = client.post(
        "/reunions/nouvelle/",
        {
            "title": "Réunion",
            "kind": MeetingKind.OTHER,
            "starts_at": "2025-03-10T09:00",
            "ends_at": "2025-03-09T09:00",
            "timezone": "Africa/Bamako",
            "city": "Bamako",
            "classification": markings["NP"].pk,
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    assert "La réunion ne peut pas se terminer avant de commencer." in text(response)
    assert not Meeting.objects.exists()


def test_a_stale_edit_form_is_refused(meeting, secretariat):
    client = client_for(secretariat)
    data = {
        "revision": 1,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts_at": "2024-11-06T08:00",
        "ends_at": "2024-11-06T17:00",
        "timezone": "Africa/Bamako",
        "city": "Bamako",
        "classification": meeting.classification_id,
    }
    assert (
        client.post(f"/reunions/{meeting.uuid}/modifier/", {**data, "venue": "A"}).status_code
        == 302
    )
    response = client.post(f"/reunions/{meeting.uuid}/modifier/", {**data, "venue": "B"})
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.venue == "A"


def test_the_meeting_list_runs_a_constant_number_of_queries(
    aes, secretariat, django_assert_num_queries, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_SIZE = 50
    client = client_for(secretariat)

    def make(count: int) -> None:
        for index in range(count):
            services.meeting_create(
                actor=secretariat,
                alliance=aes.alliance,
                title=f"Réunion {Meeting.objects.count() + index}",
                kind=MeetingKind.OTHER,
                starts_at=at(1 + index % 27),
                ends_at=at(1 + index % 27, 17),
                city="Bamako",
            )

    make(2)
    client.get("/reunions/")  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get("/reunions/")
    make(20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/reunions/?kind=other&sort=title")
    assert text(response).count("/reunions/") > 20


def test_the_calendar_shows_a_meeting_on_each_of_its_days(meeting, secretariat):
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={"ends_at": at(7, 17)}
    )
    page = text(client_for(secretariat).get("/reunions/calendrier/?year=2024&month=11"))
    assert page.count(f"/reunions/{meeting.uuid}/") == 3  # two days in the grid, once in the list
    assert "novembre 2024" in page


def test_the_follow_up_list_puts_overdue_first_and_the_secretariat_closes_one(meeting, secretariat):
    done = take_decision(
        meeting, secretariat, follow_up="Soumettre le plan", due_date=dt.date(2024, 11, 30)
    )
    take_decision(meeting, secretariat, follow_up="Plus tard", due_date=dt.date(2099, 1, 1))
    client = client_for(secretariat)
    page = text(client.get("/reunions/suivis/"))
    assert page.index("Soumettre le plan") < page.index("Plus tard")
    response = client.post(f"/reunions/decisions/{done.uuid}/suivi/", {"status": "done"})
    assert response.status_code == 302
    assert "Soumettre le plan" not in text(client.get("/reunions/suivis/"))


def test_follow_ups_appear_on_the_owners_home_page(meeting, secretariat, validator_bfa, aes):
    take_decision(
        meeting, secretariat, follow_up="Transmettre au Burkina", follow_up_state=aes.burkina
    )
    take_decision(meeting, secretariat, follow_up="Affaire du Niger", follow_up_state=aes.niger)
    page = text(client_for(validator_bfa).get("/"))
    assert "Transmettre au Burkina" in page
    assert "Affaire du Niger" not in page


def test_minutes_are_written_circulated_and_approved_from_the_pages(
    meeting, secretariat, delegates, django_capture_on_commit_callbacks
):
    item = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Ouverture")
    client = client_for(secretariat)
    client.post(
        f"/reunions/{meeting.uuid}/proces-verbal/{item.pk}/",
        {"body": "Le *président* ouvre.", "revision": 0},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reunions/{meeting.uuid}/proces-verbal/statut/", {"to": "circulated"})
    assert {m.to[0] for m in mail.outbox} == {"diarra@example.org", "simpore@example.org"}
    for status in ("convened", "held"):
        services.meeting_transition(
            actor=secretariat, meeting=Meeting.objects.get(pk=meeting.pk), to_status=status
        )
    client.post(f"/reunions/{meeting.uuid}/proces-verbal/statut/", {"to": "approved"})
    page = text(client.get(f"/reunions/{meeting.uuid}/"))
    assert "<em>président</em>" in page
    assert "Approuvé" in page
    response = client.post(
        f"/reunions/{meeting.uuid}/proces-verbal/{item.pk}/", {"body": "Changé", "revision": 1}
    )
    assert response.status_code == 302
    assert meeting.minutes.sections.get().body == "Le *président* ouvre."


def test_the_follow_up_list_and_calendar_run_a_constant_number_of_queries(
    meeting, secretariat, aes
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(secretariat)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as follow_ups:
            client.get("/reunions/suivis/")
        with CaptureQueriesContext(connection) as calendar:
            client.get("/reunions/calendrier/?year=2024&month=11")
        return len(follow_ups.captured_queries), len(calendar.captured_queries)

    take_decision(meeting, secretariat, follow_up="Un", follow_up_state=aes.mali)
    client.get("/reunions/suivis/")  # warm the session
    small = counts()
    for index in range(12):
        take_decision(meeting, secretariat, follow_up=f"Suite {index}", follow_up_state=aes.niger)
        services.meeting_create(
            actor=secretariat,
            alliance=aes.alliance,
            title=f"Atelier {index}",
            kind=MeetingKind.EXPERT_WORKSHOP,
            starts_at=at(1 + index),
            ends_at=at(2 + index),
            city="Niamey",
        )
    assert counts() == small


def test_the_agenda_is_reordered_without_javascript(meeting, secretariat, expert_mli):
    first = services.agenda_item_add(actor=secretariat, meeting=meeting, title="Ouverture")
    services.agenda_item_add(actor=secretariat, meeting=meeting, title="Examen")
    url = f"/reunions/{meeting.uuid}/ordre-du-jour/{first.pk}/deplacer/"
    denied = client_for(expert_mli).post(url, {"direction": "down"})
    assert denied.status_code == 403
    assert [i.title for i in meeting.agenda_items.order_by("position")] == ["Ouverture", "Examen"]
    client_for(secretariat).post(url, {"direction": "down"})
    assert [i.title for i in meeting.agenda_items.order_by("position")] == ["Examen", "Ouverture"]


def test_an_attendance_error_is_shown_next_to_its_field(meeting, secretariat, aes, delegates):
    response = client_for(secretariat).post(
        f"/reunions/{meeting.uuid}/delegations/ajouter/",
        {
            "member_state": aes.mali.pk,
            "person": delegates.camara.pk,
            "presence": "represented",
        },
    )
    assert response.status_code == 400
    assert "Indiquez qui représente cette personne." in text(response)
    assert not meeting.attendances.filter(person=delegates.camara).exists()


def test_the_list_answers_htmx_with_the_results_fragment_only(meeting, secretariat, aes):
    client = client_for(secretariat)
    fragment = text(client.get("/reunions/?kind=chiefs_committee", headers={"HX-Request": "true"}))
    assert "<html" not in fragment
    assert meeting.title in fragment
    empty = text(client.get("/reunions/?kind=summit", headers={"HX-Request": "true"}))
    assert "Aucune réunion ne correspond." in empty


def test_the_secretariat_adds_and_edits_an_agenda_item_through_the_pages(meeting, secretariat):
    client = Client()
    client.force_login(secretariat)
    url = f"/reunions/{meeting.uuid}/ordre-du-jour/ajouter/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Examen du projet de plan", "planned_minutes": "90"})
    assert response.status_code == 302
    item = meeting.agenda_items.get()
    assert (item.title, item.planned_minutes) == ("Examen du projet de plan", 90)
    edit_url = f"/reunions/{meeting.uuid}/ordre-du-jour/{item.pk}/"
    assert client.get(edit_url).status_code == 200
    client.post(edit_url, {"title": "Examen et validation du plan", "planned_minutes": "120"})
    item.refresh_from_db()
    assert (item.title, item.planned_minutes) == ("Examen et validation du plan", 120)
