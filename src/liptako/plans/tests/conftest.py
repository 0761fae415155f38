"""Fixtures of the plans tests: a small plan built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from liptako.accounts.models import User
from liptako.audit.testing import audit_transactional_db  # noqa: F401
from liptako.core.models import MarkingLevel
from liptako.plans import services
from liptako.plans.models import Action, Axis, Indicator, Milestone, Objective, Plan
from liptako.testing import AllianceFixture


@dataclass
class SmallPlan:
    plan: Plan
    axis1: Axis
    axis2: Axis
    objective11: Objective
    objective12: Objective
    objective21: Objective
    action_np: Action
    action_dr: Action
    action_c: Action
    indicator: Indicator
    milestone: Milestone


def build_small_plan(
    aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]
) -> SmallPlan:
    """Two axes, three objectives, three actions (NP, DR, C), one indicator, one milestone."""
    plan = services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Plan d'action Défense et Sécurité 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    axis1 = services.axis_create(plan=plan, actor=secretariat, data={"title": "Interopérabilité"})
    axis2 = services.axis_create(plan=plan, actor=secretariat, data={"title": "Formation"})
    objective11 = services.objective_create(
        axis=axis1, actor=secretariat, data={"title": "Transmissions communes"}
    )
    objective12 = services.objective_create(
        axis=axis1, actor=secretariat, data={"title": "Doctrine harmonisée"}
    )
    objective21 = services.objective_create(
        axis=axis2, actor=secretariat, data={"title": "Écoles communes"}
    )
    action_np = services.action_create(
        objective=objective11,
        actor=secretariat,
        data={
            "title": "Harmoniser les procédures de transmission",
            "description": "Élaborer un guide commun de sécurité des échanges.",
            "lead_state": aes.mali,
            "partner_states": [aes.burkina, aes.niger],
            "start_date": date(2025, 2, 1),
            "end_date": date(2025, 6, 30),
            "budget_amount": Decimal("1250000"),
        },
    )
    action_dr = services.action_create(
        objective=objective11,
        actor=secretariat,
        data={
            "title": "Plan de fréquences partagé",
            "lead_state": aes.burkina,
            "start_date": date(2025, 3, 1),
            "end_date": date(2025, 9, 30),
            "classification": markings["DR"],
        },
    )
    action_c = services.action_create(
        objective=objective21,
        actor=secretariat,
        data={
            "title": "Cursus confidentiel",
            "lead_state": aes.niger,
            "start_date": date(2025, 4, 1),
            "end_date": date(2025, 10, 31),
            "classification": markings["C"],
        },
    )
    indicator = services.indicator_create(
        action=action_np,
        actor=secretariat,
        data={
            "name": "Taux d'unités équipées",
            "measure": "percentage",
            "unit": "%",
            "baseline_value": Decimal("20"),
            "target_value": Decimal("80"),
        },
    )
    milestone = services.milestone_create(
        action=action_np,
        actor=secretariat,
        data={"title": "Guide validé", "due_date": date(2025, 5, 15)},
    )
    return SmallPlan(
        plan=plan,
        axis1=axis1,
        axis2=axis2,
        objective11=objective11,
        objective12=objective12,
        objective21=objective21,
        action_np=action_np,
        action_dr=action_dr,
        action_c=action_c,
        indicator=indicator,
        milestone=milestone,
    )


@pytest.fixture
def small_plan(
    aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]
) -> SmallPlan:
    return build_small_plan(aes, secretariat, markings)


def make_actions(plan, objective, count: int) -> None:
    """Many actions quickly (bulk_create: tests of query counts only)."""
    lead = objective.plan.alliance.member_states.order_by("code").first()
    level = MarkingLevel.objects.get(code="NP")
    secret = MarkingLevel.objects.get(code="C")
    actions = Action.objects.bulk_create(
        Action(
            plan=plan,
            objective=objective,
            position=100 + n,
            code=f"B{objective.pk}.{n}",
            title=f"Action {n}",
            lead_state=lead,
            start_date=date(2025, 1, 1),
            end_date=date(2025, 12, 31),
            classification=secret if n % 10 == 0 else level,
        )
        for n in range(count)
    )
    Indicator.objects.bulk_create(
        Indicator(plan=plan, action=a, code=f"J{a.pk}", name="N", target_value=1, position=1)
        for a in actions
    )
    Milestone.objects.bulk_create(
        Milestone(plan=plan, action=a, title="M", due_date=date(2025, 6, 1)) for a in actions
    )
    through = Action.partner_states.through
    others = list(objective.plan.alliance.member_states.exclude(pk=lead.pk))
    through.objects.bulk_create(
        through(action_id=a.pk, memberstate_id=s.pk) for a in actions for s in others
    )
