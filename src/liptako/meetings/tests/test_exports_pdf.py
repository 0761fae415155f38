"""Minutes, decisions and communiqué as PDF: content, markings on every page, who may read."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PageObject, PdfReader

from liptako.meetings import services
from liptako.meetings.tests.conftest import take_decision
from liptako.meetings.tests.test_communique import held  # noqa: F401 - fixture

RESTRICTED = "Décision restreinte : renforcer les patrouilles conjointes."


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def read_pdf(response) -> list[PageObject]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    return list(PdfReader(io.BytesIO(response.content)).pages)


def text_of(pages: list[PageObject]) -> str:
    """The words of the document, whatever the line breaks."""
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def assert_marked_on_every_page(pages: list[PageObject], marking: str) -> None:
    """The marking is printed in the top and the bottom margin of each page."""
    for number, page in enumerate(pages, start=1):
        heights: list[float] = []

        def visit(text, cm, tm, _font, _size, heights=heights):
            if marking in text:
                heights.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])  # y on the page

        page.extract_text(visitor_text=visit)
        top = float(page.mediabox.top)
        assert any(y > top * 0.95 for y in heights), f"no marking at the top of page {number}"
        assert any(y < top * 0.05 for y in heights), f"no marking at the bottom of page {number}"


@pytest.fixture
def recorded(held, secretariat, markings):  # noqa: F811 - the fixture imported above
    take_decision(held, secretariat, text=RESTRICTED, classification=markings["DR"])
    first, second = held.agenda_items.order_by("position")
    services.minutes_section_save(
        actor=secretariat,
        meeting=held,
        agenda_item=first,
        body="Le **Ministre** reçoit les délégations.\n\n- accueil\n- allocution",
    )
    # Long enough for several pages: every page must carry the marking.
    services.minutes_section_save(
        actor=secretariat,
        meeting=held,
        agenda_item=second,
        body="\n\n".join(f"Paragraphe {n} des échanges entre les délégations." for n in range(90)),
    )
    return held


def test_the_minutes_pdf_holds_the_record_and_is_marked_on_every_page(recorded, secretariat):
    pages = read_pdf(client_for(secretariat).get(f"/reunions/{recorded.uuid}/proces-verbal.pdf"))
    assert len(pages) >= 2
    assert_marked_on_every_page(pages, "Diffusion restreinte (DR)")
    text = text_of(pages)
    assert recorded.title in text
    assert "Le Ministre reçoit les délégations." in text
    assert "Paragraphe 89 des échanges" in text
    assert "CEMGA-2024-11/D1" in text
    assert "CEMGA-2024-11/D2" in text
    assert "renforcer les patrouilles conjointes" in text
    assert "Soumettre le plan aux Chefs d'État de l'AES" in text
    assert "Burkina Faso" in text  # the delegations


def test_a_reader_without_clearance_gets_neither_the_dr_decision_nor_its_marking(
    recorded, observer
):
    pages = read_pdf(client_for(observer).get(f"/reunions/{recorded.uuid}/proces-verbal.pdf"))
    assert_marked_on_every_page(pages, "Non protégé (NP)")
    text = text_of(pages)
    assert "renforcer les patrouilles" not in text
    assert "CEMGA-2024-11/D2" not in text
    assert "CEMGA-2024-11/D1" in text


@pytest.mark.parametrize(
    ("persona", "status"),
    # 404 as for the meeting page: nobody learns that a meeting they may not see exists.
    [("validator_bfa", 404), ("observer", 404), ("outsider", 404), ("admin_user", 404)],
)
def test_the_minutes_pdf_of_a_restricted_meeting_is_refused_like_the_page(
    request, meeting, secretariat, markings, aes, persona, status
):
    services.meeting_update(
        actor=secretariat,
        meeting=meeting,
        revision=meeting.revision,
        changes={"classification": markings["DR"]},
        releasable_to=[aes.mali],
    )
    client = client_for(request.getfixturevalue(persona))
    for suffix in ("pdf", "docx"):
        assert client.get(f"/reunions/{meeting.uuid}/proces-verbal.{suffix}").status_code == status
    anonymous = Client().get(f"/reunions/{meeting.uuid}/proces-verbal.pdf")
    assert anonymous.status_code == 302


def test_the_meeting_page_links_both_exports(meeting, expert_mli):
    page = client_for(expert_mli).get(f"/reunions/{meeting.uuid}/").content.decode()
    assert f"/reunions/{meeting.uuid}/proces-verbal.pdf" in page
    assert f"/reunions/{meeting.uuid}/proces-verbal.docx" in page


def test_the_communique_exports_as_pdf_with_public_content_only(recorded, secretariat):
    communique = services.communique_generate(actor=secretariat, meeting=recorded)
    client = client_for(secretariat)
    detail = client.get(f"/reunions/{recorded.uuid}/communique/fr/").content.decode()
    assert f"/reunions/{recorded.uuid}/communique/fr/export.pdf" in detail
    pages = read_pdf(client.get(f"/reunions/{recorded.uuid}/communique/fr/export.pdf"))
    assert_marked_on_every_page(pages, "Non protégé")
    text = text_of(pages)
    assert " ".join(communique.title.split()) in text
    assert "mercredi 6 novembre 2024" in text
    assert "Bamako" in text
    assert " ".join(communique.source.split()) in text
    assert "renforcer les patrouilles" not in text
    assert client.get(f"/reunions/{recorded.uuid}/communique/fr/export.odt").status_code == 404
