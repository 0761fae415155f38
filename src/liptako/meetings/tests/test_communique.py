"""The press communiqué: only public content, in the register of the seed, exported."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from docx import Document

from liptako.meetings import services
from liptako.meetings.communique import build_communique
from liptako.meetings.models import CommuniqueStatus, DecisionKind
from liptako.meetings.tests.conftest import at, take_decision


@pytest.fixture
def held(meeting, secretariat, aes, delegates):
    """The chiefs' meeting, held, after an experts' workshop of two days."""
    workshop = services.meeting_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Atelier des experts",
        kind="expert_workshop",
        starts_at=at(4, 8),
        ends_at=at(5, 17),
        city="Bamako",
    )
    for status in ("convened", "held"):
        services.meeting_transition(actor=secretariat, meeting=workshop, to_status=status)
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        revision=meeting.revision,
        changes={"preparatory_meeting": workshop},
    )
    services.attendance_record(
        actor=secretariat,
        meeting=meeting,
        member_state=aes.mali,
        person=delegates.camara,
        role="Ministre de la Défense et des Anciens Combattants",
        is_guest=True,
        is_publishable=True,
    )
    services.agenda_item_add(
        actor=secretariat,
        meeting=meeting,
        title="Réception des délégations par le Ministre de la Défense et des Anciens Combattants",
        presenter=delegates.camara,
        is_publishable=True,
    )
    services.agenda_item_add(actor=secretariat, meeting=meeting, title="Point interne")
    take_decision(
        meeting,
        secretariat,
        text="Le plan d'action « Défense et Sécurité » est validé par les 3 Chefs d'État-major.",
        is_publishable=True,
        follow_up="Soumettre le plan aux Chefs d'État de l'AES",
    )
    meeting.refresh_from_db()
    for status in ("convened", "held"):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status=status)
    return meeting


def test_the_communique_states_who_met_when_where_and_who_chaired(held, secretariat):
    text = build_communique(held, language="fr").body
    assert (
        "Les Chefs d'État-major Généraux des Armées des pays de l'Alliance des États du Sahel (AES)"
        in text
    )
    assert "(AES) — Burkina Faso, Mali et Niger — se sont réunis" in text
    assert "le mercredi 6 novembre 2024, à Bamako" in text
    assert "pour la finalisation du projet de plan d'action « Défense et Sécurité »" in text
    assert (
        "présidée par le Chef d'État-major Général des Armées du Mali, "
        "le Général de division Oumar DIARRA" in text
    )
    assert "par les experts durant 2 jours, du lundi 4 au mardi 5 novembre 2024" in text
    assert (
        "Réception des délégations par le Ministre de la Défense et des Anciens Combattants "
        "(Général de corps d'armée Sadio CAMARA)" in text
    )
    assert "est validé par les 3 Chefs d'État-major." in text
    assert "Soumettre le plan aux Chefs d'État de l'AES." in text
    assert "Point interne" not in text  # not marked publishable
    assert "(fonctions représentées : Chef d'État-major Général des Armées et Expert)" in text


def test_the_english_communique_uses_english_dates(held):
    draft = build_communique(held, language="en")
    assert "on Wednesday 6 November 2024 in Bamako" in draft.body
    assert draft.source.startswith("Source: ")


def test_a_dr_decision_never_reaches_the_communique(held, secretariat, markings):
    take_decision(
        held,
        secretariat,
        kind=DecisionKind.DECIDED,
        text="Dispositif SECRET-DR de la force conjointe",
        classification=markings["DR"],
        is_publishable=True,  # even marked publishable by mistake
        follow_up="Suite DR à ne pas publier",
    )
    take_decision(held, secretariat, text="Décision interne non publiable", is_publishable=False)
    communique = services.communique_generate(actor=secretariat, meeting=held, language="fr")
    for text in (communique.body, build_communique(held, language="en").body):
        assert "SECRET-DR" not in text
        assert "Suite DR" not in text
        assert "non publiable" not in text


def test_unpublishable_people_are_never_named(held, secretariat, aes, delegates):
    services.attendance_record(
        actor=secretariat,
        meeting=held,
        member_state=aes.mali,
        person=delegates.camara,
        role="Ministre de la Défense et des Anciens Combattants",
        is_publishable=False,
    )
    text = build_communique(held, language="fr").body
    assert "CAMARA" not in text


def test_no_communique_comes_from_a_restricted_meeting(meeting, secretariat, markings):
    services.meeting_update(
        actor=secretariat, meeting=meeting, revision=1, changes={"classification": markings["DR"]}
    )
    meeting.refresh_from_db()
    for status in ("convened", "held"):
        services.meeting_transition(actor=secretariat, meeting=meeting, to_status=status)
    with pytest.raises(ValidationError):
        services.communique_generate(actor=secretariat, meeting=meeting)
    assert not meeting.communiques.exists()


def test_the_draft_is_edited_approved_then_frozen_and_exported(held, secretariat):
    client = Client()
    client.force_login(secretariat)
    response = client.post(f"/reunions/{held.uuid}/communique/rediger/", {"language": "fr"})
    assert response.status_code == 302
    communique = held.communiques.get(language="fr")
    page = client.get(f"/reunions/{held.uuid}/communique/fr/").content.decode()
    assert "mercredi 6 novembre 2024" in page
    client.post(
        f"/reunions/{held.uuid}/communique/fr/",
        {
            "revision": communique.revision,
            "title": "Communiqué final",
            "body": "Texte revu.",
            "source": "Source : FAMA",
        },
    )
    client.post(f"/reunions/{held.uuid}/communique/fr/approuver/")
    communique.refresh_from_db()
    assert communique.status == CommuniqueStatus.APPROVED
    assert communique.title == "Communiqué final"
    with pytest.raises(ValidationError):
        services.communique_update(
            actor=secretariat,
            communique=communique,
            revision=communique.revision,
            title="x",
            body="x",
            source="x",
        )
    text = client.get(f"/reunions/{held.uuid}/communique/fr/export.txt").content.decode()
    assert text == "Communiqué final\n\nTexte revu.\n\nSource : FAMA\n"
    docx = client.get(f"/reunions/{held.uuid}/communique/fr/export.docx")
    document = Document(io.BytesIO(docx.content))
    assert [p.text for p in document.paragraphs][:2] == ["Communiqué final", "Texte revu."]
    assert document.sections[0].header.paragraphs[0].text == "Non protégé"


def test_only_the_secretariat_drafts_or_approves(held, secretariat, expert_mli):
    client = Client()
    client.force_login(expert_mli)
    assert (
        client.post(f"/reunions/{held.uuid}/communique/rediger/", {"language": "fr"}).status_code
        == 403
    )
    assert not held.communiques.exists()
    services.communique_generate(actor=secretariat, meeting=held)
    assert client.post(f"/reunions/{held.uuid}/communique/fr/approuver/").status_code == 403
    assert (
        client.post(
            f"/reunions/{held.uuid}/communique/fr/", {"revision": 1, "title": "x", "body": "x"}
        ).status_code
        == 403
    )
    communique = held.communiques.get()
    assert communique.status == CommuniqueStatus.DRAFT
    assert communique.title != "x"


def test_the_minutes_export_shows_the_reader_only_what_they_may_see(
    held, secretariat, observer, markings
):
    take_decision(held, secretariat, text="Décision restreinte", classification=markings["DR"])
    item = held.agenda_items.first()
    services.minutes_section_save(
        actor=secretariat, meeting=held, agenda_item=item, body="Le **Ministre** reçoit."
    )

    def export(user):
        client = Client()
        client.force_login(user)
        response = client.get(f"/reunions/{held.uuid}/proces-verbal.docx")
        document = Document(io.BytesIO(response.content))
        return document, "\n".join(p.text for p in document.paragraphs)

    document, text = export(secretariat)
    assert document.sections[0].header.paragraphs[0].text == "Diffusion restreinte (DR)"
    assert "Décision restreinte" in text
    assert "Le Ministre reçoit." in text
    assert "CEMGA-2024-11/D1" in text
    document, text = export(observer)
    assert document.sections[0].header.paragraphs[0].text == "Non protégé (NP)"
    assert "Décision restreinte" not in text
