"""Prepares a demo instance for the crash and backup tests; prints what they need as JSON.

Run as ``python durability/seed.py SIGNING_PLANS OUTPUT.json`` with the instance's environment,
after ``liptako migrate`` and ``liptako demo``. It drafts a working plan of thirty actions
(frozen, commented and imported into by the tests), creates SIGNING_PLANS small plans sent to
validation (each waits for the three chiefs' signatures), finds the actions each focal point
reports on in the demo plan's last period, and creates API tokens for the people the tests
play.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
django.setup()

from liptako.accounts.models import User  # noqa: E402
from liptako.accounts.services import api_token_create  # noqa: E402
from liptako.monitoring.models import ReportingPeriod  # noqa: E402
from liptako.monitoring.services import actions_of_state  # noqa: E402
from liptako.plans.models import Action, Plan  # noqa: E402
from liptako.plans.services import (  # noqa: E402
    action_create,
    axis_create,
    objective_create,
    plan_create,
)
from liptako.validation.services import validation_open  # noqa: E402

PEOPLE = (
    "secretariat",
    "expert.mli",
    "validateur.mli",
    "validateur.bfa",
    "validateur.ner",
    "pointfocal.mli",
    "pointfocal.bfa",
    "pointfocal.ner",
    "observateur.ner",
)


WORK_ACTIONS = 30


def _plan_with_actions(secretariat: User, model: Plan, title: str, *, actions: int) -> Plan:
    """A new draft plan: one axis, one objective, ``actions`` actions led by the model's."""
    template = Action.objects.filter(plan=model).select_related("lead_state").first()
    assert template is not None
    plan = plan_create(
        actor=secretariat,
        alliance=model.alliance,
        title=title,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
    )
    axis = axis_create(plan=plan, actor=secretariat, data={"title": "Axe d'essai"})
    objective = objective_create(axis=axis, actor=secretariat, data={"title": "Objectif d'essai"})
    for number in range(1, actions + 1):
        action_create(
            objective=objective,
            actor=secretariat,
            data={
                "title": f"Action d'essai {number}",
                "lead_state": template.lead_state,
                "start_date": dt.date(2026, 1, 1),
                "end_date": dt.date(2026, 6, 30),
            },
        )
    return plan


def main(signing_plans: int) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=PEOPLE)}
    secretariat = users["secretariat"]
    plan = Plan.objects.order_by("created_at").first()
    assert plan is not None, "load the demo first"
    # The last period of the adopted plan receives the reports of the test, for every state.
    period = ReportingPeriod.objects.filter(plan=plan).order_by("-start").first()
    assert period is not None
    # Each focal point reports on the actions of their state that they may see.
    reports = {
        state.code: [
            str(action.uid)
            for action in actions_of_state(plan, state.pk).filter(
                pk__in=Action.objects.visible_to(users[f"pointfocal.{state.code.lower()}"])
            )
        ]
        for state in plan.alliance.member_states.all()
    }
    work = _plan_with_actions(secretariat, plan, "Plan de travail", actions=WORK_ACTIONS)
    signing = []
    for number in range(1, signing_plans + 1):
        small = _plan_with_actions(secretariat, plan, f"Plan d'essai {number}", actions=1)
        state = validation_open(plan=small, actor=secretariat)
        signing.append({"plan": str(small.uid), "version": state.version.number})
    tokens = {
        username: api_token_create(actor=user, user=user, name="durability").clear_token
        for username, user in users.items()
    }
    output = {
        "plan": str(work.uid),
        "work_actions": [
            str(uid) for uid in Action.objects.filter(plan=work).values_list("uid", flat=True)
        ],
        "demo_plan": str(plan.uid),
        "period": str(period.uid),
        "reports": reports,
        "signing": signing,
        "tokens": tokens,
    }
    with open(sys.argv[2], "w", encoding="utf-8") as stream:
        json.dump(output, stream)


if __name__ == "__main__":
    main(int(sys.argv[1]))
