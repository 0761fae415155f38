"""Meetings in a real browser, as the secretariat in French: convene a new meeting and open
its invitation as a calendar file, record the delegations until the quorum is reached, and
draft, edit, approve and export the press communiqué."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e import conftest
from e2e.conftest import Instance

pytestmark = pytest.mark.e2e

DEMO_CHIEFS_MEETING = "Réunion des Chefs d'État-major Généraux des Armées de l'AES"
ADD_AGENDA_ITEM = "Ajouter un point à l\u2019ordre du jour"


def log_in(page: Page, instance: Instance, username: str) -> None:
    page.goto(instance.url("/comptes/connexion/"))
    conftest.log_in(page, instance, username)
    expect(page.locator("h1")).to_contain_text("Bienvenue")


def save_form(page: Page) -> None:
    page.locator("main form.edit-form button[type=submit]").click()


def unique_title(prefix: str) -> str:
    # The instance lives for the whole session: each test works on its own meeting.
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def plan_meeting(
    page: Page,
    instance: Instance,
    *,
    title: str,
    kind: str,
    day: str,
    city: str,
    host_state: str,
) -> None:
    """Fill the "plan a meeting" form from the meetings list; ends on the meeting's page."""
    page.goto(instance.url("/reunions/"))
    page.get_by_role("link", name="Prévoir une réunion").click()
    expect(page.locator("h1")).to_have_text("Prévoir une réunion")
    page.locator("#id_title").fill(title)
    page.locator("#id_kind").select_option(label=kind)
    page.locator("#id_starts_at").fill(f"{day}T09:00")
    page.locator("#id_ends_at").fill(f"{day}T17:00")
    page.locator("#id_city").fill(city)
    page.locator("#id_host_state").select_option(label=host_state)
    save_form(page)
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator(".messages")).to_contain_text("La réunion est prévue.")


def add_agenda_item(page: Page, title: str, *, publishable: bool = False) -> None:
    page.get_by_role("link", name=ADD_AGENDA_ITEM).click()
    add_agenda_item_on_its_form(page, title, publishable=publishable)


def add_agenda_item_on_its_form(page: Page, title: str, *, publishable: bool = False) -> None:
    page.locator("#id_title").fill(title)
    if publishable:
        page.locator("#id_is_publishable").check()
    save_form(page)
    expect(page.locator("#agenda ol.agenda")).to_contain_text(title)


def move_meeting_to(page: Page, button: str, status: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator(".messages")).to_contain_text(
        re.compile(rf"La réunion est désormais\W+{status}\W")
    )
    expect(page.locator(".page-header .tag")).to_have_text(status)


def add_to_delegation(page: Page, *, state: str, person: str, presence: str) -> None:
    """Add ``person`` (the end of their name in the directory) to ``state``'s delegation."""
    page.get_by_role("link", name="Ajouter à une délégation").click()
    expect(page.locator("h1")).to_have_text("Ajouter à une délégation")
    page.locator("#id_member_state").select_option(label=state)
    person_value = page.locator("#id_person option", has_text=person).get_attribute("value")
    assert person_value, f"{person} is not in the list of people"
    page.locator("#id_person").select_option(value=person_value)
    page.locator("#id_is_head_of_delegation").check()
    page.locator("#id_presence").select_option(label=presence)
    save_form(page)
    expect(page).to_have_url(re.compile(r"/reunions/[0-9a-f-]+/#delegations$"))


def test_the_secretariat_convenes_a_meeting_and_downloads_its_invitation(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    title = unique_title("Atelier des experts transmissions")
    plan_meeting(
        page,
        instance,
        title=title,
        kind="Atelier des experts",
        day="2025-03-12",
        city="Ouagadougou",
        host_state="Burkina Faso",
    )
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("mercredi 12 mars 2025, 09:00\u201317:00")
    expect(facts).to_contain_text("Ouagadougou (Burkina Faso)")
    expect(page.locator(".page-header")).to_contain_text("Atelier des experts")
    expect(page.locator(".page-header .tag")).to_have_text("Prévue")

    expect(page.locator("#agenda")).to_contain_text("L\u2019ordre du jour est vide.")

    move_meeting_to(page, "Convoquer et envoyer les invitations", "Convoquée")
    # Convened: it cannot be convened twice, the invitations can be sent again.
    expect(page.get_by_role("button", name="Convoquer et envoyer les invitations")).to_have_count(0)
    expect(page.get_by_role("button", name="Renvoyer les invitations")).to_be_visible()

    # The invitation the page offers is an iCalendar file of this meeting.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ajouter à mon agenda (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Path(download.path()).read_text(encoding="utf-8")
    unfolded = calendar.replace("\r\n ", "").replace("\r\n\t", "")
    assert unfolded.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" in unfolded
    assert f"SUMMARY:{title}" in unfolded
    assert "Ouagadougou" in unfolded

    href = page.get_by_role("link", name="Ajouter à mon agenda (.ics)").get_attribute("href")
    assert href
    response = page.request.get(instance.url(href))
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")


def test_the_secretariat_adds_an_item_to_the_agenda_of_a_planned_meeting(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    plan_meeting(
        page,
        instance,
        title=unique_title("Atelier des experts santé"),
        kind="Atelier des experts",
        day="2025-03-19",
        city="Bamako",
        host_state="Mali",
    )
    page.get_by_role("link", name=ADD_AGENDA_ITEM).click()
    expect(page.locator("h1")).to_have_text(ADD_AGENDA_ITEM, timeout=5_000)
    add_agenda_item_on_its_form(page, "Soutien sanitaire des opérations", publishable=True)
    add_agenda_item(page, "Évacuations sanitaires")
    items = page.locator("#agenda ol.agenda > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Soutien sanitaire des opérations")
    expect(items.nth(0).locator(".tag")).to_have_text("public")
    # Reordering: the second item moves up.
    page.get_by_role("button", name=re.compile(r"^Monter\W+Évacuations sanitaires")).click()
    expect(items.nth(0)).to_contain_text("Évacuations sanitaires")


def test_the_secretariat_records_the_delegations_until_the_quorum_is_reached(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    title = unique_title("Comité des chefs d'état-major")
    plan_meeting(
        page,
        instance,
        title=title,
        kind="Comité des Chefs d\u2019État-major",
        day="2025-04-16",
        city="Niamey",
        host_state="Niger",
    )
    move_meeting_to(page, "Convoquer et envoyer les invitations", "Convoquée")
    quorum = page.locator("#delegations .quorum")
    expect(quorum).to_have_text(re.compile(r"Quorum non atteint\W+0 délégations.*3 requises"))

    add_to_delegation(page, state="Mali", person="DIARRA", presence="Présent")
    expect(quorum).to_have_text(re.compile(r"Quorum non atteint\W+1 délégations"))
    add_to_delegation(page, state="Burkina Faso", person="FICTIF", presence="Présent")
    expect(quorum).to_have_text(re.compile(r"Quorum non atteint\W+2 délégations"))
    # An excused delegation does not count.
    add_to_delegation(page, state="Niger", person="DÉMO", presence="Excusé")
    expect(quorum).to_have_text(re.compile(r"Quorum non atteint\W+2 délégations"))
    niger = page.locator("#delegations table").nth(2)
    expect(niger).to_contain_text("Général de division Amadou DÉMO")
    expect(niger).to_contain_text("Excusé")

    # The Nigerien chief arrives after all: his line is corrected.
    niger.get_by_role("link", name="Modifier").click()
    expect(page.locator("#id_presence")).to_have_value("excused")
    page.locator("#id_presence").select_option(label="Présent")
    save_form(page)

    expect(quorum).to_have_text(
        re.compile(r"Quorum atteint\W+3 délégations présentes ou représentées, 3 requises")
    )
    expect(quorum).to_have_class(re.compile(r"\bquorum-reached\b"))
    delegations = page.locator("#delegations")
    for state in ("Burkina Faso", "Mali", "Niger"):
        expect(delegations.get_by_role("heading", name=state, exact=True)).to_be_visible()
    expect(delegations.locator(".tag", has_text="Chef de délégation")).to_have_count(3)

    move_meeting_to(page, "Enregistrer comme tenue", "Tenue")
    expect(page.get_by_role("button", name="Enregistrer comme tenue")).to_have_count(0)
    expect(quorum).to_contain_text("Quorum atteint")


def test_the_demo_communique_states_the_seed_facts_and_exports_as_text(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    page.goto(instance.url("/reunions/"))
    page.get_by_role("link", name=DEMO_CHIEFS_MEETING, exact=True).click()
    expect(page.locator("h1")).to_contain_text(DEMO_CHIEFS_MEETING)
    page.locator("#communique").get_by_role("link").first.click()

    expect(page.locator("h1")).to_contain_text("Communiqué de presse")
    expect(page.locator("h1")).to_contain_text("Approuvé")
    communique = page.locator("article.communique")
    expect(communique).to_contain_text("mercredi 6 novembre 2024")
    expect(communique).to_contain_text("Bamako")
    expect(communique).to_contain_text("Oumar DIARRA")
    # Approved: no more editing.
    expect(page.get_by_role("button", name="Enregistrer le projet")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger en texte").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "mercredi 6 novembre 2024" in text
    assert "Bamako" in text


def test_the_secretariat_drafts_edits_approves_and_exports_a_communique(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    title = unique_title("Conseil des ministres")
    plan_meeting(
        page,
        instance,
        title=title,
        kind="Conseil des ministres",
        day="2025-05-14",
        city="Dori",
        host_state="Burkina Faso",
    )
    move_meeting_to(page, "Convoquer et envoyer les invitations", "Convoquée")
    expect(page.locator("#communique")).to_contain_text(
        "Un communiqué peut être rédigé une fois la réunion tenue."
    )
    move_meeting_to(page, "Enregistrer comme tenue", "Tenue")

    page.locator("#communique-language").select_option(label="Français")
    page.get_by_role("button", name="Rédiger le communiqué à partir du contenu public").click()
    expect(page.locator("h1")).to_contain_text("Communiqué de presse")
    expect(page.locator("h1")).to_contain_text("Projet")
    communique = page.locator("article.communique")
    expect(communique).to_contain_text("mercredi 14 mai 2025")
    expect(communique).to_contain_text("Dori")

    # Edit a sentence: the last paragraph becomes the secretariat's own.
    body = page.locator("#id_body")
    paragraphs = body.input_value().split("\n\n")
    replaced = paragraphs[-1]
    sentence = "Les ministres se retrouveront à Niamey au second semestre."
    body.fill("\n\n".join([*paragraphs[:-1], sentence]))
    page.get_by_role("button", name="Enregistrer le projet").click()
    expect(page.locator(".messages")).to_contain_text("Le communiqué est enregistré.")
    expect(communique).to_contain_text(sentence)
    expect(communique).not_to_contain_text(replaced)

    page.get_by_role("button", name="Approuver le communiqué").click()
    expect(page.locator(".messages")).to_contain_text("Le communiqué est approuvé.")
    expect(page.locator("h1")).to_contain_text("Approuvé")
    expect(page.locator("main")).to_contain_text(re.compile(r"Approuvé le .+ par "))
    expect(page.get_by_role("button", name="Approuver le communiqué")).to_have_count(0)
    expect(page.locator("#id_body")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger en texte").click()
    download = download_info.value
    assert download.suggested_filename == "communique-2025-05-14-fr.txt"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert sentence in text
    assert "mercredi 14 mai 2025" in text
    assert "Dori" in text
    assert replaced not in text


def test_the_secretariat_sets_the_quorum_of_a_kind_of_meeting(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    plan_meeting(
        page,
        instance,
        title=unique_title("Réunion de coordination"),
        kind="Autre réunion",
        day="2025-06-11",
        city="Bamako",
        host_state="Mali",
    )
    meeting_url = page.url
    quorum = page.locator("#delegations .quorum")
    expect(quorum).to_contain_text("3 requises")

    page.get_by_role("link", name="Modifier le quorum").click()
    expect(page.locator("h1")).to_have_text("Quorum par type de réunion")
    row = page.locator("#quorum-other")
    field = row.get_by_label("Délégations requises pour « Autre réunion »")
    # More delegations than the alliance has member states: refused, in French, next to it.
    field.fill("4")
    row.get_by_role("button", name="Enregistrer").click()
    expect(row.locator(".error")).to_contain_text(
        "L\u2019alliance compte 3 États membres : un quorum de 4 délégations"
    )
    row = page.locator("#quorum-other")
    row.get_by_label("Délégations requises pour « Autre réunion »").fill("2")
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messages")).to_contain_text(
        "Le quorum de « Autre réunion » est enregistré."
    )
    expect(page.locator("#quorum-other td").first).to_have_text("2")

    page.goto(meeting_url)
    expect(quorum).to_contain_text("2 requises")

    # Back to the demo's value: the instance is shared by the whole session.
    page.goto(instance.url("/reunions/quorums/"))
    page.locator("#quorum-other").get_by_label(re.compile("Autre réunion")).fill("3")
    page.locator("#quorum-other").get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#quorum-other td").first).to_have_text("3")


def test_the_minutes_of_the_demo_meeting_download_as_a_marked_pdf(
    page: Page, instance: Instance
) -> None:
    log_in(page, instance, "secretariat")
    page.goto(instance.url("/reunions/"))
    page.get_by_role("link", name=DEMO_CHIEFS_MEETING, exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le procès-verbal et les décisions (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "proces-verbal-2024-11-06.pdf"
    reader = PdfReader(download.path())
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert DEMO_CHIEFS_MEETING in text
    assert "CEMGA-2024-11/D1" in text
    # The demo records a DR decision: the secretariat's copy is marked DR on every page.
    for pdf_page in reader.pages:
        assert pdf_page.extract_text().count("Diffusion restreinte (DR)") >= 2  # top and bottom
