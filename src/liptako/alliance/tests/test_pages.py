"""Directory pages: who may read and edit them, what they show, and their query counts."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liptako.alliance.models import MemberState, Organisation, Person, Position
from liptako.alliance.services import organisation_create
from liptako.alliance.tests.conftest import add_people
from liptako.audit.models import AuditEvent

READERS = [
    "secretariat",
    "expert_mli",
    "validator_bfa",
    "focal_point_ner",
    "observer",
    "admin_user",
]
NOT_EDITORS = ["expert_mli", "validator_bfa", "focal_point_ner", "observer", "admin_user"]


def read_urls(directory):
    return [
        "/annuaire/",
        "/annuaire/etats/MLI/",
        "/annuaire/organisations/",
        f"/annuaire/organisations/{directory.emga_mli.pk}/",
        "/annuaire/personnes/",
        f"/annuaire/personnes/{directory.diarra.pk}/",
        "/annuaire/personnes/export.csv",
        "/annuaire/organisations/export.csv",
    ]


def edit_urls(directory):
    return [
        "/annuaire/etats/nouveau/",
        "/annuaire/etats/MLI/modifier/",
        "/annuaire/organisations/nouvelle/",
        f"/annuaire/organisations/{directory.emga_mli.pk}/modifier/",
        "/annuaire/personnes/nouvelle/",
        f"/annuaire/personnes/{directory.diarra.pk}/modifier/",
        f"/annuaire/personnes/{directory.diarra.pk}/postes/nouveau/",
        f"/annuaire/postes/{directory.diarra_cemga.pk}/modifier/",
        f"/annuaire/postes/{directory.diarra_cemga.pk}/terminer/",
    ]


def snapshot():
    return (
        MemberState.objects.count(),
        list(Organisation.objects.values_list("name", "updated_at")),
        list(Person.objects.values_list("last_name", "rank", "updated_at")),
        list(Position.objects.values_list("title", "end_date", "updated_at")),
        AuditEvent.objects.count(),
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client, directory):
    for url in read_urls(directory) + edit_urls(directory):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("persona", READERS)
def test_every_role_reads_the_directory(client, directory, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for url in read_urls(directory):
        assert client.get(url).status_code == 200, url


def test_an_account_without_role_reads_nothing(client, directory, outsider):
    client.force_login(outsider)
    assert client.get("/annuaire/").status_code == 403
    assert client.get("/annuaire/personnes/").status_code == 403
    assert client.get(f"/annuaire/personnes/{directory.diarra.pk}/").status_code == 404
    assert client.get("/annuaire/etats/MLI/").status_code == 404


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_only_the_secretariat_may_open_or_post_the_edit_forms(client, directory, persona, request):
    client.force_login(request.getfixturevalue(persona))
    before = snapshot()
    for url in edit_urls(directory):
        assert client.get(url).status_code == 403, url
        response = client.post(
            url,
            {
                "code": "TCD",
                "name": "Changed",
                "first_name": "X",
                "last_name": "Y",
                "kind": "service",
                "title": "Changed",
                "organisation": directory.emga_mli.pk,
                "end_date": "2025-01-01",
                "timezone": "Africa/Bamako",
            },
        )
        assert response.status_code == 403, url
    assert snapshot() == before


def test_edit_buttons_are_shown_to_the_secretariat_only(client, directory, secretariat, expert_mli):
    edit_link = f"/annuaire/personnes/{directory.diarra.pk}/modifier/"
    client.force_login(expert_mli)
    assert edit_link not in client.get(f"/annuaire/personnes/{directory.diarra.pk}/").text
    client.force_login(secretariat)
    assert edit_link in client.get(f"/annuaire/personnes/{directory.diarra.pk}/").text


def test_unknown_objects_are_404(client, directory, secretariat):
    client.force_login(secretariat)
    assert client.get("/annuaire/etats/XYZ/").status_code == 404
    assert client.get("/annuaire/personnes/999999/").status_code == 404
    assert client.get("/annuaire/organisations/999999/modifier/").status_code == 404


def test_the_secretariat_adds_a_person_and_a_position(client, directory, secretariat):
    client.force_login(secretariat)
    response = client.post(
        "/annuaire/personnes/nouvelle/",
        {"first_name": "Sadio", "last_name": "CAMARA", "rank": "190", "member_state": "MLI"},
    )
    camara = Person.objects.get(last_name="CAMARA")
    assert response.status_code == 302
    assert response["Location"] == f"/annuaire/personnes/{camara.pk}/"
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.verb, event.actor_id) == ("person.create", secretariat.pk)

    response = client.post(
        f"/annuaire/personnes/{camara.pk}/postes/nouveau/",
        {
            "organisation": directory.emga_mli.pk,
            "title": "Ministre de la Défense et des Anciens Combattants",
            "start_date": "2021-06-11",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/annuaire/personnes/{camara.pk}/").text
    assert "Ministre de la Défense et des Anciens Combattants" in page
    assert "11 juin 2021" in page


def test_bad_input_shows_french_errors_next_to_the_fields_and_changes_nothing(
    client, directory, secretariat
):
    client.force_login(secretariat)
    before = snapshot()
    response = client.post(
        "/annuaire/etats/nouveau/", {"code": "tcd", "name": "Tchad", "timezone": "Africa/Bamako"}
    )
    assert response.status_code == 200
    assert "trois lettres majuscules" in response.text
    response = client.post(
        f"/annuaire/postes/{directory.diarra_cemga.pk}/modifier/",
        {
            "organisation": directory.emga_mli.pk,
            "title": "CEMGA",
            "start_date": "2024-05-01",
            "end_date": "2024-04-01",
        },
    )
    assert "La date de fin ne peut pas précéder la date de début." in response.text
    response = client.post(
        "/annuaire/personnes/nouvelle/",
        {"first_name": "Sadio", "last_name": "CAMARA", "rank": "190", "title": "Ministre"},
    )
    assert "grade militaire ou un titre civil" in response.text
    assert snapshot() == before


def test_a_stale_form_does_not_overwrite_a_newer_edit(client, directory, secretariat):
    client.force_login(secretariat)
    url = f"/annuaire/organisations/{directory.emga_mli.pk}/modifier/"
    stale_version = directory.emga_mli.updated_at.isoformat()
    form = {"kind": "general_staff", "name": "État-major général des armées", "acronym": "EMGA"}
    first = client.post(url, {**form, "acronym": "EMGA-1", "version": stale_version})
    assert first.status_code == 302
    second = client.post(url, {**form, "acronym": "EMGA-2", "version": stale_version})
    assert second.status_code == 200
    assert "Quelqu'un d'autre a modifié" in html.unescape(second.text)
    directory.emga_mli.refresh_from_db()
    assert directory.emga_mli.acronym == "EMGA-1"


def test_ending_a_position_from_the_person_page(client, directory, secretariat):
    client.force_login(secretariat)
    response = client.post(
        f"/annuaire/postes/{directory.diarra_cemga.pk}/terminer/",
        {"end_date": "2025-03-31", "version": directory.diarra_cemga.updated_at.isoformat()},
    )
    assert response.status_code == 302
    directory.diarra_cemga.refresh_from_db()
    assert str(directory.diarra_cemga.end_date) == "2025-03-31"


def test_the_people_search_is_one_url_with_two_renderings(client, directory, expert_mli):
    client.force_login(expert_mli)
    full = client.get("/annuaire/personnes/", {"q": "goita"})
    assert "<html" in full.text
    assert "GOÏTA" in full.text
    assert "DIARRA" not in full.text
    fragment = client.get("/annuaire/personnes/", {"q": "goita"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment["Vary"]
    assert "GOÏTA" in fragment.text
    assert "DIARRA" not in fragment.text


def test_htmx_history_restore_gets_the_whole_page(client, directory, expert_mli):
    client.force_login(expert_mli)
    restored = client.get(
        "/annuaire/organisations/",
        {"q": "etat"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restored.text
    fragment = client.get("/annuaire/organisations/", {"q": "etat"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "EMGA" in fragment.text


def test_the_organisation_page_shows_the_tree_and_current_holders(client, directory, observer):
    client.force_login(observer)
    page = client.get(f"/annuaire/organisations/{directory.emga_mli.pk}/").text
    assert "Direction du service de santé des armées" in page
    assert "Général de division Oumar DIARRA" in page


def test_people_are_sortable_and_the_page_is_in_french(client, directory, expert_mli):
    client.force_login(expert_mli)
    ascending = client.get("/annuaire/personnes/", {"sort": "name"}).text
    descending = client.get("/annuaire/personnes/", {"sort": "-name"}).text
    assert ascending.index("DIARRA") < ascending.index("GOÏTA")
    assert descending.index("GOÏTA") < descending.index("DIARRA")
    assert "Rechercher" in ascending


def test_names_sort_without_regard_to_accents(client, directory, expert_mli):
    organisation_create(
        actor=None,
        alliance=directory.aes.alliance,
        kind="alliance_body",
        name="Force unifiée de l'AES",
    )
    client.force_login(expert_mli)
    page = client.get("/annuaire/organisations/", {"sort": "name"}).text
    page = page[page.index('id="results"') :]  # the kind filter also says "État-major"
    # By bytes, "É" sorts after "F"; in the directory "État-major" comes before "Force".
    assert page.index("Direction du service") < page.index("État-major général des armées")
    assert page.index("État-major général des armées") < page.index("Force unifiée")


def directory_queries(context: CaptureQueriesContext) -> list[str]:
    # Only the directory's own queries are pinned: session, account and marking-banner
    # queries belong to other apps and are pinned there.
    return [query["sql"] for query in context.captured_queries if '"alliance_' in query["sql"]]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # count, member states (filter), organisations (filter), page of people, positions
        ("/annuaire/personnes/", 5),
        # the same, plus the chosen member state
        ("/annuaire/personnes/?q=r&member_state=MLI&sort=-rank", 6),
        # member states (filter), count, page of organisations with state and parent
        ("/annuaire/organisations/?member_state=MLI", 3),
        # alliance, member states with counts, alliance bodies
        ("/annuaire/", 3),
        # member state, its organisations, count, page of people, their positions
        ("/annuaire/etats/MLI/", 5),
    ],
)
def test_list_pages_load_in_a_constant_number_of_queries(
    client, directory, expert_mli, url, expected
):
    client.force_login(expert_mli)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add_people(directory.aes, directory.dssa_mli, settings.PAGE_SIZE + 3)
    for number in range(3):
        organisation_create(
            actor=None,
            alliance=directory.aes.alliance,
            member_state=directory.aes.mali,
            parent=directory.dssa_mli,
            kind="service",
            name=f"Service {number}",
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.status_code == 200
    assert len(directory_queries(small)) == expected, directory_queries(small)
    assert len(directory_queries(large)) == expected, directory_queries(large)


def test_the_people_list_exports_what_it_shows_as_csv(client, directory, observer):
    client.force_login(observer)
    page = client.get("/annuaire/personnes/", {"q": "goita"}).text
    assert "/annuaire/personnes/export.csv?q=goita" in page
    response = client.get("/annuaire/personnes/export.csv", {"q": "goita"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nom de famille", "Prénom", "Grade"]
    assert rows[1:] == [["GOÏTA", "Assimi", "Général d'armée", "", "MLI", "", ""]]
    everyone = client.get("/annuaire/personnes/export.csv")
    text = b"".join(everyone.streaming_content).decode("utf-8-sig")
    assert "Chef d'État-major Général des Armées (État-major général des armées (EMGA))" in text


def test_the_organisation_list_exports_as_csv(client, directory, expert_mli, outsider):
    client.force_login(expert_mli)
    response = client.get("/annuaire/organisations/export.csv", {"member_state": "MLI"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {row[1] for row in rows[1:]} == {"EMGA", "DSSA"}
    client.force_login(outsider)
    assert client.get("/annuaire/organisations/export.csv").status_code == 403
    assert client.get("/annuaire/personnes/export.csv").status_code == 403


def test_the_directory_switches_to_english(client, directory, expert_mli):
    client.force_login(expert_mli)
    client.post("/i18n/setlang/", {"language": "en", "next": "/annuaire/"})
    page = client.get("/annuaire/").text
    assert "Member states" in page
    assert "États membres" not in page
