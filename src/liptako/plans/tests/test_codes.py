"""Codes: generated from positions, renumbered on reorder, set by hand by the secretariat."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.plans import services
from liptako.plans.models import Action, Axis, Indicator, Objective


def codes(model) -> list[str]:
    return list(model.objects.order_by("code").values_list("code", flat=True))


def test_it_generates_codes_from_positions(small_plan):
    assert codes(Axis) == ["A1", "A2"]
    assert codes(Objective) == ["O1.1", "O1.2", "O2.1"]
    assert codes(Action) == ["A1.1.1", "A1.1.2", "A2.1.1"]
    assert codes(Indicator) == ["I1.1.1.1"]


def test_moving_an_axis_renumbers_everything_below(small_plan, expert_mli):
    services.axis_move(axis=small_plan.axis2, actor=expert_mli, position=1)
    small_plan.action_c.refresh_from_db()
    small_plan.action_np.refresh_from_db()
    small_plan.indicator.refresh_from_db()
    assert small_plan.action_c.code == "A1.1.1"
    assert small_plan.action_np.code == "A2.1.1"
    assert small_plan.indicator.code == "I2.1.1.1"
    assert list(Axis.objects.order_by("position").values_list("code", flat=True)) == ["A1", "A2"]


def test_moving_an_action_to_another_objective_renumbers_both(small_plan, expert_mli):
    moved = services.action_move(
        action=small_plan.action_np,
        actor=expert_mli,
        objective=small_plan.objective12,
        position=1,
    )
    assert moved.code == "A1.2.1"
    assert moved.objective_id == small_plan.objective12.pk
    small_plan.action_dr.refresh_from_db()
    assert (small_plan.action_dr.code, small_plan.action_dr.position) == ("A1.1.1", 1)
    assert Indicator.objects.get().code == "I1.2.1.1"
    assert "a121" in Action.objects.get(pk=moved.pk).search_text.replace(".", "")


def test_reordering_siblings_swaps_their_codes(small_plan, expert_mli):
    services.action_move(action=small_plan.action_dr, actor=expert_mli, position=1)
    small_plan.action_np.refresh_from_db()
    small_plan.action_dr.refresh_from_db()
    assert small_plan.action_dr.code == "A1.1.1"
    assert small_plan.action_np.code == "A1.1.2"


def test_deleting_compacts_positions_and_codes(small_plan, expert_mli):
    services.objective_delete(objective=small_plan.objective11, actor=expert_mli)
    small_plan.objective12.refresh_from_db()
    assert small_plan.objective12.code == "O1.1"
    assert small_plan.objective12.position == 1


def test_a_manual_code_is_kept_when_renumbering(small_plan, secretariat):
    action = services.action_update(
        action=small_plan.action_dr,
        actor=secretariat,
        lock_version=small_plan.action_dr.lock_version,
        data={"code": "A1.1.9"},
    )
    assert (action.code, action.code_is_manual) == ("A1.1.9", True)
    services.action_move(action=action, actor=secretariat, position=1)
    action.refresh_from_db()
    small_plan.action_np.refresh_from_db()
    assert action.code == "A1.1.9"
    assert small_plan.action_np.code == "A1.1.2"


def test_an_automatic_code_skips_a_manual_one(small_plan, secretariat, aes):
    services.action_update(
        action=small_plan.action_np,
        actor=secretariat,
        lock_version=small_plan.action_np.lock_version,
        data={"code": "A1.2.1"},
    )
    created = services.action_create(
        objective=small_plan.objective12,
        actor=secretariat,
        data={
            "title": "Nouvelle",
            "lead_state": aes.mali,
            "start_date": date(2025, 1, 1),
            "end_date": date(2025, 2, 1),
        },
    )
    assert created.code == "A1.2.2"


def test_an_empty_code_returns_to_the_automatic_one(small_plan, secretariat):
    axis = services.axis_update(
        axis=small_plan.axis1, actor=secretariat, lock_version=1, data={"code": "DS"}
    )
    assert axis.code == "DS"
    axis = services.axis_update(
        axis=axis, actor=secretariat, lock_version=axis.lock_version, data={"code": ""}
    )
    assert (axis.code, axis.code_is_manual) == ("A1", False)


def test_only_the_secretariat_sets_codes(small_plan, expert_mli):
    with pytest.raises(PermissionDenied):
        services.axis_update(
            axis=small_plan.axis1, actor=expert_mli, lock_version=1, data={"code": "X1"}
        )
    assert Axis.objects.get(pk=small_plan.axis1.pk).code == "A1"


def test_a_code_used_elsewhere_in_the_plan_is_refused(small_plan, secretariat):
    with pytest.raises(ValidationError) as error:
        services.axis_update(
            axis=small_plan.axis1, actor=secretariat, lock_version=1, data={"code": "A2"}
        )
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.axis_update(
            axis=small_plan.axis1, actor=secretariat, lock_version=1, data={"code": "A 1;"}
        )
