"""Freeze, the version list and page (frozen content, digest) and the diff page."""

from __future__ import annotations

import html

import pytest

from liptako.plans import services
from liptako.plans.models import PlanVersion

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_secretariat_freezes_the_draft_with_a_note(client, small_plan, secretariat):
    client.force_login(secretariat)
    plan = small_plan.plan
    listing = text(client.get(f"/plans/{plan.uid}/versions/"))
    assert f"/plans/{plan.uid}/figer/" in listing
    response = client.post(f"/plans/{plan.uid}/figer/", {"note": "Atelier des experts"})
    version = PlanVersion.objects.get(plan=plan)
    assert response["Location"] == f"/plans/{plan.uid}/versions/1/"
    assert version.note == "Atelier des experts"
    page = text(client.get(response["Location"]))
    assert version.digest in page  # the full SHA-256
    assert "Harmoniser les procédures de transmission" in page
    assert "Cursus confidentiel" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("expert_mli", 403), ("observer", 403), ("validator_bfa", 403), ("outsider", 404)],
)
def test_only_the_secretariat_freezes(client, small_plan, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/plans/{small_plan.plan.uid}/figer/", {"note": "x"})
    assert response.status_code == status
    assert not PlanVersion.objects.exists()


def test_the_freeze_form_is_shown_to_the_secretariat_only(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    listing = text(client.get(f"/plans/{small_plan.plan.uid}/versions/"))
    assert "/figer/" not in listing


def test_a_version_page_redacts_as_for_the_reader(client, small_plan, secretariat, observer):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    client.force_login(observer)
    page = text(client.get(f"/plans/{small_plan.plan.uid}/versions/1/"))
    assert "Harmoniser les procédures de transmission" in page
    assert "Plan de fréquences partagé" not in page
    assert "Cursus confidentiel" not in page
    assert small_plan.action_c.code in page


def test_a_missing_version_is_not_found(client, small_plan, secretariat):
    client.force_login(secretariat)
    assert client.get(f"/plans/{small_plan.plan.uid}/versions/7/").status_code == 404


def test_diff_shows_the_changed_field_before_and_after(client, small_plan, secretariat):
    plan = small_plan.plan
    services.plan_version_freeze(plan=plan, actor=secretariat)
    action = small_plan.action_np
    services.action_update(
        action=action,
        actor=secretariat,
        lock_version=action.lock_version,
        data={"title": "Guide commun des transmissions"},
    )
    services.axis_create(plan=plan, actor=secretariat, data={"title": "Soutien médical"})
    client.force_login(secretariat)
    page = text(client.get(f"/plans/{plan.uid}/comparer/", {"ancien": "1", "nouveau": "draft"}))
    assert "Harmoniser les procédures de transmission" in page
    assert "Guide commun des transmissions" in page
    assert "Soutien médical" in page
    assert "Ajouté" in page
    assert "Modifié" in page


def test_diff_of_identical_versions_says_no_change(client, small_plan, secretariat):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    client.force_login(secretariat)
    page = text(
        client.get(f"/plans/{small_plan.plan.uid}/comparer/", {"ancien": "1", "nouveau": "2"})
    )
    assert "Aucune modification" in page


def test_diff_defaults_to_the_last_version_against_the_draft(client, small_plan, secretariat):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    client.force_login(secretariat)
    page = text(client.get(f"/plans/{small_plan.plan.uid}/comparer/"))
    assert "Aucune modification" in page


def test_diff_hides_what_changed_in_a_hidden_action(client, small_plan, secretariat, observer):
    plan = small_plan.plan
    services.plan_version_freeze(plan=plan, actor=secretariat)
    action = small_plan.action_dr
    services.action_update(
        action=action,
        actor=secretariat,
        lock_version=action.lock_version,
        data={"title": "Nouveau plan de fréquences secret"},
    )
    client.force_login(observer)
    page = text(client.get(f"/plans/{plan.uid}/comparer/", {"ancien": "1", "nouveau": "draft"}))
    assert "Nouveau plan de fréquences secret" not in page
    assert "Plan de fréquences partagé" not in page
    assert action.code in page


def test_an_unknown_version_in_the_diff_form_is_an_error_not_a_crash(
    client, small_plan, secretariat
):
    client.force_login(secretariat)
    response = client.get(f"/plans/{small_plan.plan.uid}/comparer/", {"ancien": "9"})
    assert response.status_code == 200


READ_PAGES = [
    "",
    "versions/",
    "versions/1/",
    "comparer/",
    "export.xlsx",
    "feuille-de-route/2025/",
    "elements/{plan}/historique/",
    "elements/{plan}/commentaires/",
]


@pytest.mark.parametrize("path", READ_PAGES)
@pytest.mark.parametrize("persona", ["outsider", "admin_user"])
def test_read_pages_do_not_exist_for_users_without_sight_of_content(
    client, small_plan, secretariat, persona, path, request
):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    client.force_login(request.getfixturevalue(persona))
    url = f"/plans/{small_plan.plan.uid}/" + path.format(plan=small_plan.plan.uid)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("path", READ_PAGES)
def test_read_pages_open_to_every_role_that_sees_the_plan(
    client, small_plan, secretariat, observer, path
):
    services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    client.force_login(observer)
    url = f"/plans/{small_plan.plan.uid}/" + path.format(plan=small_plan.plan.uid)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", READ_PAGES)
def test_read_pages_send_anonymous_visitors_to_the_login_page(client, small_plan, path):
    url = f"/plans/{small_plan.plan.uid}/" + path.format(plan=small_plan.plan.uid)
    response = client.get(url)
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


def test_an_observer_cannot_resolve_a_thread(client, small_plan, expert_mli, observer):
    thread = services.comment_add(
        plan=small_plan.plan, actor=expert_mli, item_uid=small_plan.axis1.uid, body="À voir"
    )
    client.force_login(observer)
    response = client.post(f"/plans/{small_plan.plan.uid}/commentaires/{thread.uid}/statut/")
    assert response.status_code == 403
    thread.refresh_from_db()
    assert not thread.is_resolved
