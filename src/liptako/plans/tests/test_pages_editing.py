"""Inline editing of the outline: row → form → row with HTMX, full pages without JavaScript,
validation errors, conflicts (both values, nothing lost), create, delete and move."""

from __future__ import annotations

import html

import pytest

from liptako.accounts.models import Role
from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.models import Action, Axis, Indicator, Milestone, Objective
from liptako.testing import make_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def action_post(action, **changes) -> dict:
    data = {
        "lock_version": action.lock_version,
        "title": action.title,
        "description": action.description,
        "lead_state": action.lead_state_id,
        "partner_states": [s.pk for s in action.partner_states.all()],
        "responsible_organisation": "",
        "start_date": action.start_date.isoformat(),
        "end_date": action.end_date.isoformat(),
        "budget_amount": "" if action.budget_amount is None else str(action.budget_amount),
        "budget_currency": action.budget_currency,
        "priority": action.priority,
        "classification": action.classification_id,
        "releasable_to": [s.pk for s in action.releasable_to.all()],
    }
    data.update(changes)
    return data


def edit_url(small_plan, item) -> str:
    return f"/plans/{small_plan.plan.uid}/elements/{item.uid}/modifier/"


def test_htmx_edit_swaps_the_row_for_its_form_then_back(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    action = small_plan.action_np
    form = client.get(edit_url(small_plan, action), HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    assert text(form).startswith(f'<div class="item-row editing" id="row-{action.uid}"')
    assert "<html" not in text(form)
    assert 'name="lock_version"' in text(form)

    saved = client.post(
        edit_url(small_plan, action),
        action_post(action, title="Guide commun des transmissions", budget_amount="2 500 000"),
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert text(saved).startswith(f'<div class="item-row item-action" id="row-{action.uid}"')
    assert "Guide commun des transmissions" in text(saved)
    action.refresh_from_db()
    assert action.title == "Guide commun des transmissions"
    assert action.budget_amount == 2500000
    event = AuditEvent.objects.filter(verb="action.update").latest("sequence")
    assert event.payload["changes"]["title"]["after"] == "Guide commun des transmissions"


def test_without_javascript_the_same_urls_are_full_pages(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    axis = small_plan.axis1
    page = client.get(edit_url(small_plan, axis))
    assert "<html" in text(page)
    response = client.post(
        edit_url(small_plan, axis),
        {"lock_version": axis.lock_version, "title": "Interopérabilité des systèmes"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{small_plan.plan.uid}/#row-{axis.uid}"
    axis.refresh_from_db()
    assert axis.title == "Interopérabilité des systèmes"


def test_a_validation_error_shows_next_to_the_field_and_changes_nothing(
    client, small_plan, expert_mli
):
    client.force_login(expert_mli)
    action = small_plan.action_np
    response = client.post(
        edit_url(small_plan, action),
        action_post(action, title="Nouveau", end_date="2025-01-15"),
        HTTP_HX_REQUEST="true",
    )
    body = text(response)
    assert response.status_code == 200
    assert 'id="id_end_date_error"' in body
    assert "ne peut pas précéder la date de début" in body
    action.refresh_from_db()
    assert action.title == "Harmoniser les procédures de transmission"


def test_partner_equal_to_lead_is_refused(client, small_plan, expert_mli, aes):
    client.force_login(expert_mli)
    action = small_plan.action_np
    response = client.post(
        edit_url(small_plan, action), action_post(action, partner_states=[aes.mali.pk])
    )
    assert "ne peut pas être aussi partenaire" in text(response)
    assert set(action.partner_states.all()) == {aes.burkina, aes.niger}


def test_a_conflict_shows_both_values_keeps_mine_and_saves_on_the_new_version(
    client, small_plan, expert_mli, aes
):
    expert_bfa = make_user("expert.bfa", role=Role.EXPERT, member_state=aes.burkina)
    action = small_plan.action_np
    seen = action_post(action)
    # Another expert saves first.
    services.action_update(
        action=action,
        actor=expert_bfa,
        lock_version=action.lock_version,
        data={"title": "Titre de l'expert burkinabè"},
    )
    client.force_login(expert_mli)
    response = client.post(
        edit_url(small_plan, action),
        {**seen, "title": "Titre de l'expert malien"},
        HTTP_HX_REQUEST="true",
    )
    body = text(response)
    assert "Quelqu'un d'autre a enregistré" in body
    assert "Titre de l'expert burkinabè" in body  # theirs
    assert 'value="Titre de l\'expert malien"' in body  # mine, kept in the form
    assert f'name="lock_version" value="{action.lock_version + 1}"' in body
    action.refresh_from_db()
    assert action.title == "Titre de l'expert burkinabè"

    # Saving again on the new version goes through.
    again = client.post(
        edit_url(small_plan, action),
        {**seen, "title": "Titre de l'expert malien", "lock_version": action.lock_version},
    )
    assert again.status_code == 302
    action.refresh_from_db()
    assert action.title == "Titre de l'expert malien"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("observer", 403),
        ("validator_bfa", 403),
        ("focal_point_ner", 403),
        ("outsider", 404),
    ],
)
def test_who_may_not_edit_gets_refused_and_nothing_changes(
    client, small_plan, persona, status, request
):
    client.force_login(request.getfixturevalue(persona))
    action = small_plan.action_np
    response = client.post(edit_url(small_plan, action), action_post(action, title="Piraté"))
    assert response.status_code == status
    action.refresh_from_db()
    assert action.title == "Harmoniser les procédures de transmission"


def test_anonymous_edit_goes_to_the_login_page(client, small_plan):
    action = small_plan.action_np
    response = client.post(edit_url(small_plan, action), {"title": "Piraté"})
    assert response.status_code == 302
    assert "/comptes/connexion/" in response["Location"]


def test_an_action_above_the_editors_clearance_does_not_exist_for_them(
    client, small_plan, expert_mli
):
    client.force_login(expert_mli)  # DR clearance
    action = small_plan.action_c
    response = client.post(edit_url(small_plan, action), action_post(action, title="X"))
    assert response.status_code == 404
    assert client.get(f"/plans/{small_plan.plan.uid}/elements/{action.uid}/").status_code == 404


def test_only_the_secretariat_sees_the_code_field(client, small_plan, expert_mli, secretariat):
    client.force_login(expert_mli)
    assert 'name="code"' not in text(client.get(edit_url(small_plan, small_plan.axis1)))
    client.force_login(secretariat)
    assert 'name="code"' in text(client.get(edit_url(small_plan, small_plan.axis1)))


def test_items_are_created_under_their_parent(client, small_plan, expert_mli, aes):
    client.force_login(expert_mli)
    base = f"/plans/{small_plan.plan.uid}/ajouter"
    response = client.post(f"{base}/axis/", {"title": "Soutien logistique"})
    axis = Axis.objects.get(title="Soutien logistique")
    assert response["Location"] == f"/plans/{small_plan.plan.uid}/#row-{axis.uid}"
    client.post(f"{base}/objective/?sous={axis.uid}", {"title": "Dépôts communs"})
    objective = Objective.objects.get(title="Dépôts communs")
    assert objective.axis == axis
    assert objective.code == "O3.1"
    client.post(
        f"{base}/action/?sous={objective.uid}",
        {
            "title": "Inventaire partagé",
            "lead_state": aes.niger.pk,
            "start_date": "2025-03-01",
            "end_date": "2025-04-30",
            "budget_currency": "XOF",
            "priority": "high",
            "classification": small_plan.action_np.classification_id,
        },
    )
    action = Action.objects.get(title="Inventaire partagé")
    assert action.code == "A3.1.1"
    client.post(
        f"{base}/indicator/?sous={action.uid}",
        {
            "name": "Dépôts inventoriés",
            "measure": "number",
            "direction": "increase",
            "time_aggregation": "cumulative",
            "state_aggregation": "sum",
            "target_value": "3",
        },
    )
    assert Indicator.objects.get(name="Dépôts inventoriés").action == action
    client.post(
        f"{base}/milestone/?sous={action.uid}",
        {"title": "Inventaire fait", "due_date": "2025-04-01"},
    )
    assert Milestone.objects.get(title="Inventaire fait").action == action


def test_an_objective_cannot_be_created_under_an_action(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    response = client.post(
        f"/plans/{small_plan.plan.uid}/ajouter/objective/?sous={small_plan.action_np.uid}",
        {"title": "Mal placé"},
    )
    assert response.status_code == 404
    assert not Objective.objects.filter(title="Mal placé").exists()


def test_delete_asks_for_confirmation_then_deletes(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    url = f"/plans/{small_plan.plan.uid}/elements/{small_plan.milestone.uid}/supprimer/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert 'method="post"' in text(confirm)
    assert Milestone.objects.filter(pk=small_plan.milestone.pk).exists()
    response = client.post(url, {"lock_version": small_plan.milestone.lock_version})
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=small_plan.milestone.pk).exists()


def test_an_observer_cannot_delete(client, small_plan, observer):
    client.force_login(observer)
    url = f"/plans/{small_plan.plan.uid}/elements/{small_plan.axis2.uid}/supprimer/"
    assert client.post(url).status_code == 403
    assert Axis.objects.filter(pk=small_plan.axis2.pk).exists()


def test_move_down_reorders_and_renumbers(client, small_plan, expert_mli):
    client.force_login(expert_mli)
    url = f"/plans/{small_plan.plan.uid}/elements/{small_plan.axis1.uid}/deplacer/"
    response = client.post(url, {"direction": "down"})
    assert response.status_code == 302
    small_plan.axis1.refresh_from_db()
    small_plan.axis2.refresh_from_db()
    assert (small_plan.axis1.position, small_plan.axis1.code) == (2, "A2")
    assert (small_plan.axis2.position, small_plan.axis2.code) == (1, "A1")


def test_the_secretariat_edits_the_plan_details(client, small_plan, secretariat, expert_mli):
    plan = small_plan.plan
    client.force_login(expert_mli)
    assert client.get(f"/plans/{plan.uid}/modifier/").status_code == 403
    client.force_login(secretariat)
    response = client.post(
        f"/plans/{plan.uid}/modifier/",
        {
            "lock_version": plan.lock_version,
            "title": "Plan révisé",
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "classification": plan.classification_id,
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Plan révisé"
