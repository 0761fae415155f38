"""The secretariat sets the quorum of each kind of meeting from a page; others may not."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from liptako.audit.models import AuditEvent
from liptako.meetings import selectors
from liptako.meetings.models import MeetingKind, QuorumRule

URL = "/reunions/quorums/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_page_lists_every_kind_with_its_quorum(aes, secretariat):
    response = client_for(secretariat).get(URL)
    assert response.status_code == 200
    page = text(response)
    for kind in MeetingKind:
        assert str(kind.label) in page
    assert "tous les États membres, par défaut" in page


def test_the_secretariat_changes_a_quorum_and_it_is_audited(meeting, secretariat, aes):
    assert selectors.quorum_status(meeting=meeting).required == 3
    client = client_for(secretariat)
    response = client.post(URL, {"kind": MeetingKind.CHIEFS_COMMITTEE, "minimum_delegations": "2"})
    assert response.status_code == 302
    assert selectors.quorum_status(meeting=meeting).required == 2
    event = AuditEvent.objects.filter(verb="quorum_rule.set").latest("pk")
    assert event.payload == {
        "kind": MeetingKind.CHIEFS_COMMITTEE,
        "minimum_delegations": 2,
        "before": None,
    }
    assert event.actor_id == secretariat.pk
    page = text(client.get(URL))
    assert "Le quorum de « Comité des Chefs d’État-major » est enregistré." in page  # noqa: RUF001
    # The same value again changes and records nothing.
    client.post(URL, {"kind": MeetingKind.CHIEFS_COMMITTEE, "minimum_delegations": "2"})
    assert AuditEvent.objects.filter(verb="quorum_rule.set").count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "supérieure ou égale à 1"),
        ("abc", "Saisissez un nombre entier"),
        ("4", "L’alliance compte 3 États membres : un quorum de 4 délégations"),  # noqa: RUF001
    ],
)
def test_a_wrong_minimum_is_refused_in_french_and_nothing_changes(aes, secretariat, value, message):
    response = client_for(secretariat).post(
        URL, {"kind": MeetingKind.MINISTERS_COUNCIL, "minimum_delegations": value}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert not QuorumRule.objects.exists()
    assert not AuditEvent.objects.filter(verb="quorum_rule.set").exists()


def test_an_unknown_kind_is_refused(aes, secretariat):
    response = client_for(secretariat).post(URL, {"kind": "party", "minimum_delegations": "2"})
    assert response.status_code == 400
    assert not QuorumRule.objects.exists()


@pytest.mark.parametrize(
    "persona",
    ["expert_mli", "validator_bfa", "focal_point_ner", "observer", "outsider", "admin_user"],
)
def test_only_the_secretariat_may_see_or_change_the_quorum(request, aes, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"kind": MeetingKind.OTHER, "minimum_delegations": "1"})
    assert response.status_code == 403
    assert not QuorumRule.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(aes):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


def test_the_meeting_pages_link_to_the_quorum_for_the_secretariat_only(
    meeting, secretariat, expert_mli
):
    assert URL in text(client_for(secretariat).get(f"/reunions/{meeting.uuid}/"))
    assert URL in text(client_for(secretariat).get("/reunions/"))
    assert URL not in text(client_for(expert_mli).get(f"/reunions/{meeting.uuid}/"))


def test_the_page_runs_a_constant_number_of_queries(aes, secretariat, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(secretariat)
    with CaptureQueriesContext(connection) as without_rules:
        client.get(URL)
    expected = len(without_rules.captured_queries)  # the next request clears the log
    for kind in MeetingKind:
        client.post(URL, {"kind": kind, "minimum_delegations": "2"})
    assert QuorumRule.objects.count() == len(MeetingKind)
    with django_assert_num_queries(expected):
        page = text(client.get(URL))
    assert "par défaut" not in page
