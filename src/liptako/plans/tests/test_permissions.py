"""Authorization matrix of the plan services and access functions."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.models import Action, Axis, Plan, PlanStatus, PlanVersion
from liptako.plans.permissions import access_item, access_plan, can

READERS_WHO_MAY_NOT_EDIT = ["validator_bfa", "focal_point_ner", "observer"]
NO_CONTENT = ["outsider", "admin_user"]


def state_of(plan: Plan) -> tuple:
    return (
        list(Axis.objects.filter(plan=plan).values_list("title", "code")),
        list(Action.objects.filter(plan=plan).values_list("title", "lock_version")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", ["secretariat", "expert_mli"])
def test_experts_and_the_secretariat_edit_a_draft(small_plan, persona, request):
    actor = request.getfixturevalue(persona)
    axis = services.axis_create(plan=small_plan.plan, actor=actor, data={"title": "Logistique"})
    assert axis.code == "A3"
    action = services.action_update(
        action=small_plan.action_np, actor=actor, lock_version=1, data={"title": "Nouveau titre"}
    )
    assert action.title == "Nouveau titre"


@pytest.mark.parametrize("persona", READERS_WHO_MAY_NOT_EDIT + NO_CONTENT)
def test_other_roles_cannot_edit_and_nothing_changes(small_plan, persona, request):
    actor = request.getfixturevalue(persona)
    before = state_of(small_plan.plan)
    with pytest.raises(PermissionDenied):
        services.axis_create(plan=small_plan.plan, actor=actor, data={"title": "Logistique"})
    with pytest.raises(PermissionDenied):
        services.action_update(
            action=small_plan.action_np, actor=actor, lock_version=1, data={"title": "Piraté"}
        )
    with pytest.raises(PermissionDenied):
        services.axis_delete(axis=small_plan.axis1, actor=actor)
    assert state_of(small_plan.plan) == before


def test_anonymous_cannot_edit(small_plan):
    before = state_of(small_plan.plan)
    with pytest.raises(PermissionDenied):
        services.axis_create(plan=small_plan.plan, actor=AnonymousUser(), data={"title": "X"})
    assert state_of(small_plan.plan) == before


@pytest.mark.parametrize(
    "status", [s for s in PlanStatus if s not in ("drafting", "changes_requested")]
)
def test_a_plan_out_of_drafting_is_read_only(small_plan, expert_mli, secretariat, status):
    Plan.objects.filter(pk=small_plan.plan.pk).update(status=status)
    small_plan.plan.refresh_from_db()
    before = state_of(small_plan.plan)
    for actor in (expert_mli, secretariat):
        with pytest.raises(PermissionDenied):
            services.axis_create(plan=small_plan.plan, actor=actor, data={"title": "X"})
    with pytest.raises(PermissionDenied):
        services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)
    assert state_of(small_plan.plan) == before
    assert not PlanVersion.objects.exists()


def test_insufficient_clearance_hides_the_action_from_services(small_plan, expert_mli):
    """The expert (DR) cannot touch the C action: it is as if it did not exist."""
    action = small_plan.action_c
    with pytest.raises(ItemNotFound):
        services.action_update(action=action, actor=expert_mli, lock_version=1, data={"title": "X"})
    with pytest.raises(ItemNotFound):
        services.action_delete(action=action, actor=expert_mli)
    assert Action.objects.get(pk=action.pk).title == "Cursus confidentiel"


def test_deleting_an_axis_holding_hidden_actions_is_refused(small_plan, expert_mli):
    with pytest.raises(PermissionDenied):
        services.axis_delete(axis=small_plan.axis2, actor=expert_mli)
    assert Action.objects.filter(pk=small_plan.action_c.pk).exists()


def test_only_the_secretariat_creates_plans_and_freezes(aes, expert_mli, small_plan):
    with pytest.raises(PermissionDenied):
        services.plan_create(
            actor=expert_mli,
            alliance=aes.alliance,
            title="X",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
        )
    with pytest.raises(PermissionDenied):
        services.plan_version_freeze(plan=small_plan.plan, actor=expert_mli)
    assert Plan.objects.count() == 1
    assert not PlanVersion.objects.exists()


def test_access_plan_answers_404_when_invisible_and_403_when_read_only(
    small_plan, observer, outsider, expert_mli, markings
):
    plan = small_plan.plan
    assert access_plan(observer, plan.uid) == plan
    with pytest.raises(PermissionDenied):
        access_plan(observer, plan.uid, write=True)
    assert access_plan(expert_mli, str(plan.uid), write=True) == plan
    for uid in (plan.uid, "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Http404):
            access_plan(outsider, uid)
    Plan.objects.filter(pk=plan.pk).update(classification=markings["DR"])
    with pytest.raises(Http404):
        access_plan(observer, plan.uid)  # NP clearance only
    with pytest.raises(Http404):
        access_plan(observer, plan.uid, related=False)  # the same check without the joins


def test_access_plan_without_its_relations_checks_the_same_and_loads_less(
    small_plan, observer, outsider, django_assert_num_queries
):
    plan = small_plan.plan
    observer.access  # noqa: B018 (computed once per request)
    with django_assert_num_queries(1):
        bare = access_plan(observer, plan.uid, related=False)
    assert bare == plan
    assert not Plan.alliance.is_cached(bare)
    assert Plan.alliance.is_cached(access_plan(observer, plan.uid))
    for uid in (plan.uid, "not-a-uuid"):
        with pytest.raises(Http404):
            access_plan(outsider, uid, related=False)


def test_a_plan_releasable_to_other_states_is_invisible(small_plan, expert_mli, aes, secretariat):
    small_plan.plan.releasable_to.set([aes.niger])
    with pytest.raises(Http404):
        access_plan(expert_mli, small_plan.plan.uid)
    assert access_plan(secretariat, small_plan.plan.uid) == small_plan.plan


def test_access_item_hides_actions_above_clearance(small_plan, observer, expert_mli):
    plan = small_plan.plan
    assert access_item(observer, plan, small_plan.indicator.uid) == small_plan.indicator
    with pytest.raises(Http404):
        access_item(observer, plan, small_plan.action_dr.uid)
    with pytest.raises(Http404):
        access_item(expert_mli, plan, small_plan.action_c.uid)
    with pytest.raises(PermissionDenied):
        access_item(observer, plan, small_plan.axis1.uid, write=True)


def test_rule_flags_for_templates(small_plan, secretariat, expert_mli, observer, validator_bfa):
    plan = small_plan.plan
    assert can(secretariat, "plans.freeze_plan", plan)
    assert can(secretariat, "plans.change_code", plan)
    assert not can(expert_mli, "plans.freeze_plan", plan)
    assert can(expert_mli, "plans.change_plan", plan)
    assert can(validator_bfa, "plans.comment", plan)
    assert not can(observer, "plans.comment", plan)
    assert can(observer, "plans.view_plan", plan)
