"""The demo meetings: the seed's Bamako meetings, and the communiqué's test of quality."""

from __future__ import annotations

import pytest

from liptako.demo import accounts, alliance, plans
from liptako.demo import meetings as demo_meetings
from liptako.demo.context import DemoContext
from liptako.meetings import selectors
from liptako.meetings.communique import build_communique
from liptako.meetings.models import (
    CommuniqueStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
)


@pytest.fixture
def demo(db) -> DemoContext:
    context = DemoContext()
    alliance.load(context)
    accounts.load(context)
    plans.load(context)
    demo_meetings.load(context)
    return context


def chiefs() -> Meeting:
    return Meeting.objects.get(kind=MeetingKind.CHIEFS_COMMITTEE, status=MeetingStatus.HELD)


def test_the_generated_communique_states_the_facts_of_the_seed(demo):
    communique = chiefs().communiques.get(language="fr")
    assert communique.status == CommuniqueStatus.APPROVED
    text = communique.body
    facts = [
        "le mercredi 6 novembre 2024, à Bamako",
        "Burkina Faso, Mali et Niger",
        "Les Chefs d'État-major Généraux des Armées des pays "
        "de l'Alliance des États du Sahel (AES)",
        "présidée par le Chef d'État-major Général des Armées du Mali, "
        "le Général de division Oumar DIARRA",
        "travaillé par les experts durant 2 jours, du lundi 4 au mardi 5 novembre 2024",
        "finalisé et validé par les 3 Chefs d'État-major Généraux des Armées",
        "soumis aux Chefs d'État de l'AES",
        "Réception des délégations par le Ministre de la Défense et des Anciens Combattants "
        "(Général de corps d'armée Sadio CAMARA)",
    ]
    for fact in facts:
        assert fact in text, fact
    assert communique.source == "Source : FAMA"
    # The restricted decision, the unpublishable item and the fictional chiefs stay out.
    assert "officier de liaison" not in text
    assert "Modalités de coordination" not in text
    assert "FICTIF" not in text
    assert "DÉMO" not in text
    # The 2025 meeting is only planned: not announced.
    assert "2025" not in text
    english = build_communique(chiefs(), language="en")
    assert "on Wednesday 6 November 2024 in Bamako" in english.body
    assert "Oumar DIARRA" in english.body


def test_the_demo_records_both_meetings_plans_the_next_and_resets(demo):
    meeting = chiefs()
    assert meeting.preparatory_meeting.kind == MeetingKind.EXPERT_WORKSHOP
    assert selectors.quorum_status(meeting=meeting).is_reached
    assert meeting.minutes.status == MinutesStatus.APPROVED
    assert len(meeting.minutes.digest) == 64
    references = [d.reference for d in meeting.decisions.order_by("number")]
    assert references == ["CEMGA-2024-11/D1", "CEMGA-2024-11/D2", "CEMGA-2024-11/D3"]
    assert all(d.follow_up for d in meeting.decisions.all())
    assert meeting.plan_version.number == 1
    assert meeting.decisions.get(number=1).plan_version == meeting.plan_version
    upcoming = Meeting.objects.get(starts_at__year=2025)
    assert (upcoming.status, upcoming.city) == (MeetingStatus.PLANNED, "Ouagadougou")
    counts = demo_meetings.delete()
    assert counts["meeting"] == 3
    assert not Meeting.objects.exists()
