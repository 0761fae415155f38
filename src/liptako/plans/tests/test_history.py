"""An item's history, read from the audit log: who changed which field, from what to what."""

from __future__ import annotations

import pytest

from liptako.plans import services
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.selectors import item_history_for_user


def test_the_history_lists_changes_with_before_and_after(small_plan, expert_mli, secretariat):
    action = services.action_update(
        action=small_plan.action_np,
        actor=expert_mli,
        lock_version=1,
        data={"title": "Nouveau titre", "priority": "high", "partner_states": []},
    )
    events = list(
        item_history_for_user(user=secretariat, plan=small_plan.plan, item_uid=action.uid)
    )
    assert [e.verb for e in events] == ["action.update", "action.create"]
    latest = events[0]
    assert latest.actor == expert_mli
    assert latest.payload["changes"] == {
        "title": {"before": "Harmoniser les procédures de transmission", "after": "Nouveau titre"},
        "priority": {"before": "medium", "after": "high"},
        "partner_states": {"before": ["BFA", "NER"], "after": []},
    }
    assert events[1].payload["changes"]["lead_state"] == {"before": None, "after": "MLI"}


def test_the_history_of_a_hidden_item_is_not_found(small_plan, observer):
    with pytest.raises(ItemNotFound):
        item_history_for_user(
            user=observer, plan=small_plan.plan, item_uid=small_plan.action_dr.uid
        )
