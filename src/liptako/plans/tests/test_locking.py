"""Two experts editing the same item: the second save gets both values, nothing is lost."""

from __future__ import annotations

import pytest

from liptako.accounts.models import Role
from liptako.audit.models import AuditEvent
from liptako.plans import services
from liptako.plans.exceptions import ConflictError
from liptako.plans.models import Action
from liptako.testing import make_user


@pytest.fixture
def expert_bfa(aes):
    return make_user("expert.bfa", role=Role.EXPERT, member_state=aes.burkina)


def test_the_second_save_gets_a_conflict_with_both_values(small_plan, expert_mli, expert_bfa):
    seen = Action.objects.get(pk=small_plan.action_np.pk)
    first = services.action_update(
        action=seen,
        actor=expert_mli,
        lock_version=seen.lock_version,
        data={"title": "Titre du Mali"},
    )
    assert first.lock_version == 2
    with pytest.raises(ConflictError) as error:
        services.action_update(
            action=seen,
            actor=expert_bfa,
            lock_version=seen.lock_version,
            data={"title": "Titre du Burkina", "priority": "medium"},
        )
    conflict = error.value
    assert (conflict.seen_version, conflict.current_version) == (1, 2)
    assert [(c.field, c.theirs, c.mine) for c in conflict.conflicts] == [
        ("title", "Titre du Mali", "Titre du Burkina")
    ]
    assert conflict.as_dict()["conflicts"][0]["mine"] == "Titre du Burkina"
    assert Action.objects.get(pk=seen.pk).title == "Titre du Mali"
    assert AuditEvent.objects.filter(verb="action.update").count() == 1


def test_a_save_with_the_current_version_wins(small_plan, expert_mli, expert_bfa):
    action = small_plan.action_np
    action = services.action_update(
        action=action, actor=expert_mli, lock_version=1, data={"title": "Un"}
    )
    action = services.action_update(
        action=action, actor=expert_bfa, lock_version=action.lock_version, data={"title": "Deux"}
    )
    assert Action.objects.get(pk=action.pk).title == "Deux"
    assert action.lock_version == 3


def test_the_update_is_conditional_on_the_version_it_read(small_plan, expert_mli, monkeypatch):
    """Someone saves between our read and our write: the conditional UPDATE refuses ours."""
    action = small_plan.action_np
    original_full_clean = Action.full_clean

    def full_clean_then_concurrent_save(self, *args, **kwargs):
        original_full_clean(self, *args, **kwargs)
        Action.objects.filter(pk=self.pk).update(title="Concurrent", lock_version=2)

    monkeypatch.setattr(Action, "full_clean", full_clean_then_concurrent_save)
    with pytest.raises(ConflictError) as error:
        services.action_update(
            action=action, actor=expert_mli, lock_version=1, data={"title": "Le mien"}
        )
    assert error.value.theirs == {"title": "Concurrent"}


def test_editing_an_item_deleted_meanwhile_is_a_conflict(small_plan, expert_mli, secretariat):
    stale = Action.objects.get(pk=small_plan.action_np.pk)
    services.action_delete(action=small_plan.action_np, actor=secretariat)
    with pytest.raises(ConflictError) as error:
        services.action_update(action=stale, actor=expert_mli, lock_version=1, data={"title": "X"})
    assert error.value.is_deleted


def test_delete_with_a_stale_version_is_refused(small_plan, expert_mli):
    action = services.action_update(
        action=small_plan.action_np, actor=expert_mli, lock_version=1, data={"title": "Changé"}
    )
    with pytest.raises(ConflictError):
        services.action_delete(action=action, actor=expert_mli, lock_version=1)
    assert Action.objects.filter(pk=action.pk).exists()
