"""The demo plan: « Plan d'action Défense et Sécurité 2025 », version 1 and a revised draft."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction

from liptako.accounts.models import User
from liptako.demo import accounts as demo_accounts
from liptako.demo import alliance as demo_alliance
from liptako.demo import plans as demo_plans
from liptako.demo.context import DemoContext
from liptako.plans.models import Action, Axis, Comment, Indicator, Objective, Plan, PlanVersion
from liptako.plans.selectors import plan_diff_for_user, plan_tree_for_user


@pytest.fixture
def demo_plan(db, settings, tmp_path) -> Plan:
    settings.LIPTAKO_HOME = tmp_path
    context = DemoContext()
    with transaction.atomic():
        demo_alliance.load(context)
        demo_accounts.load(context)
        return demo_plans.load_demo_plan(context)


def test_the_demo_plan_has_the_expected_shape(demo_plan: Plan) -> None:
    assert demo_plan.title == "Plan d'action Défense et Sécurité 2025"
    assert (demo_plan.period_start, demo_plan.period_end) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert Axis.objects.filter(plan=demo_plan).count() == 5
    assert Objective.objects.filter(plan=demo_plan).count() == 15
    assert Action.objects.filter(plan=demo_plan).count() == 41
    assert Indicator.objects.filter(plan=demo_plan).count() >= 41
    markings = Counter(Action.objects.values_list("classification__code", flat=True))
    assert markings["C"] == 3
    assert 6 <= markings["DR"] <= 12
    assert markings["NP"] > markings["DR"] + markings["C"]
    leads = Counter(Action.objects.values_list("lead_state__code", flat=True))
    assert set(leads) == {"MLI", "BFA", "NER"}
    assert not Action.objects.filter(budget_amount__isnull=True).exists()
    assert not Action.objects.filter(responsible_organisation__isnull=True).exists()


def test_version_1_was_frozen_at_the_experts_workshop(demo_plan: Plan) -> None:
    version = PlanVersion.objects.get(plan=demo_plan)
    assert version.number == 1
    assert version.created_at.date() == dt.date(2024, 11, 5)
    assert version.author.username == "secretariat"
    assert "atelier des experts" in version.note


def test_the_draft_differs_from_version_1(demo_plan: Plan) -> None:
    secretariat = User.objects.get(username="secretariat")
    version = PlanVersion.objects.get(plan=demo_plan)
    diff = plan_diff_for_user(user=secretariat, plan=demo_plan, old=version, new=None)
    titles = {
        change.after
        for entry in diff.changed
        for change in entry.changes
        if change.field == "title"
    }
    assert (
        "Harmoniser les programmes de formation initiale des officiers et sous-officiers" in titles
    )
    assert [(e.kind, e.label) for e in diff.added if e.kind == "action"] == [
        ("action", "Créer un centre commun de formation aux transmissions")
    ]
    assert [e.label for e in diff.moved] == ["Traduire et diffuser les procédures communes"]
    assert any(c.field == "target_value" for e in diff.changed for c in e.changes)
    assert not diff.removed


def test_readers_see_the_demo_plan_through_their_clearance(demo_plan: Plan) -> None:
    observer = User.objects.get(username="observateur.mli")
    tree = plan_tree_for_user(user=observer, plan=demo_plan)
    redacted = [entry for entry in tree.actions if entry.is_redacted]
    assert len(redacted) == Action.objects.exclude(classification__code="NP").count()
    assert Comment.objects.filter(plan=demo_plan).count() == 3


def test_the_demo_plan_is_deleted_on_reset(demo_plan: Plan) -> None:
    with transaction.atomic():
        counts = demo_plans.delete()
    assert counts["plan_version"] == 1
    assert not Plan.objects.exists()
    assert not PlanVersion.objects.exists()


def test_the_demo_loader_includes_the_plan_and_reset_keeps_versions_immutable(
    db, settings, tmp_path
) -> None:
    from django.db import DatabaseError

    from liptako.demo.loader import load_demo

    settings.LIPTAKO_HOME = tmp_path
    load_demo()
    load_demo(reset=True)
    assert Plan.objects.get().title == "Plan d'action Défense et Sécurité 2025"
    version = PlanVersion.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        PlanVersion.objects.filter(pk=version.pk).delete()
    assert PlanVersion.objects.filter(pk=version.pk).exists()
