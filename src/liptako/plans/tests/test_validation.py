"""Validation rules of plan items: clear messages on the field, nothing saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from liptako.plans import services
from liptako.plans.models import Action, Indicator, Milestone


def errors_of(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_it_refuses_an_action_ending_before_it_starts(small_plan, expert_mli, aes):
    count = Action.objects.count()
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.action_create(
            objective=small_plan.objective12,
            actor=expert_mli,
            data={
                "title": "Exercice",
                "lead_state": aes.mali,
                "start_date": date(2025, 5, 1),
                "end_date": date(2025, 4, 1),
            },
        )
    assert errors_of(error)["end_date"] == ["La date de fin ne peut pas précéder la date de début."]
    assert Action.objects.count() == count


def test_it_refuses_a_partner_equal_to_the_lead(small_plan, expert_mli, aes):
    action = small_plan.action_np
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.action_update(
            action=action,
            actor=expert_mli,
            lock_version=action.lock_version,
            data={"partner_states": [aes.mali, aes.niger]},
        )
    assert errors_of(error)["partner_states"] == [
        "L'État membre chef de file ne peut pas être aussi partenaire."
    ]
    action.refresh_from_db()
    assert set(action.partner_states.values_list("code", flat=True)) == {"BFA", "NER"}
    assert action.lock_version == 1


def test_it_refuses_a_negative_budget_and_dates_outside_the_plan(small_plan, expert_mli):
    action = small_plan.action_np
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.action_update(
            action=action,
            actor=expert_mli,
            lock_version=action.lock_version,
            data={"budget_amount": Decimal("-5"), "start_date": date(2024, 12, 1)},
        )
    messages = errors_of(error)
    assert messages["budget_amount"] == ["Le budget ne doit pas être négatif."]
    assert "doit se situer dans la période du plan" in messages["start_date"][0]
    action.refresh_from_db()
    assert action.budget_amount == Decimal("1250000")


def test_it_refuses_a_percentage_above_100(small_plan, expert_mli):
    indicator = small_plan.indicator
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.indicator_update(
            indicator=indicator,
            actor=expert_mli,
            lock_version=indicator.lock_version,
            data={"target_value": Decimal("120")},
        )
    assert errors_of(error)["target_value"] == ["Un pourcentage doit être compris entre 0 et 100."]
    assert Indicator.objects.get(pk=indicator.pk).target_value == Decimal("80")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"measure": "qualitative", "target_value": None}, "target_text"),
        ({"measure": "yes_no", "target_value": Decimal("2")}, "target_value"),
        ({"measure": "number", "target_value": None}, "target_value"),
        ({"tolerance": Decimal("150")}, "tolerance"),
    ],
)
def test_it_checks_indicator_values_against_their_measure(small_plan, expert_mli, data, field):
    indicator = small_plan.indicator
    with pytest.raises(ValidationError) as error:
        services.indicator_update(
            indicator=indicator, actor=expert_mli, lock_version=indicator.lock_version, data=data
        )
    assert field in errors_of(error)


def test_it_refuses_a_milestone_outside_its_action(small_plan, expert_mli):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.milestone_create(
            action=small_plan.action_np,
            actor=expert_mli,
            data={"title": "Trop tard", "due_date": date(2025, 11, 1)},
        )
    assert "doit se situer entre les dates de l'action" in errors_of(error)["due_date"][0]
    assert Milestone.objects.count() == 1


def test_it_refuses_a_marking_above_the_editors_clearance(small_plan, expert_mli, markings, aes):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.action_create(
            objective=small_plan.objective12,
            actor=expert_mli,
            data={
                "title": "Secret",
                "lead_state": aes.mali,
                "start_date": date(2025, 5, 1),
                "end_date": date(2025, 6, 1),
                "classification": markings["C"],
            },
        )
    assert errors_of(error)["classification"] == [
        "Vous ne pouvez pas classifier un élément au-dessus de votre propre habilitation."
    ]


def test_an_expert_cannot_release_an_action_away_from_their_own_state(small_plan, expert_mli, aes):
    action = small_plan.action_np
    with pytest.raises(ValidationError) as error:
        services.action_update(
            action=action,
            actor=expert_mli,
            lock_version=action.lock_version,
            data={"releasable_to": [aes.niger]},
        )
    assert "releasable_to" in errors_of(error)
    assert not action.releasable_to.exists()


def test_a_plan_period_cannot_shrink_around_its_actions(small_plan, secretariat):
    plan = small_plan.plan
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.plan_update(
            plan=plan,
            actor=secretariat,
            lock_version=plan.lock_version,
            data={"period_end": date(2025, 6, 30)},
        )
    assert "action(s)" in errors_of(error)["period_start"][0]
    plan.refresh_from_db()
    assert plan.period_end == date(2025, 12, 31)
