from __future__ import annotations

import pytest
import rules
from django.contrib.auth.models import AnonymousUser

from liptako.accounts.models import Role, User
from liptako.accounts.permissions import (
    holds_role,
    holds_role_for_object_state,
    holds_role_for_state,
    is_admin,
    is_secretariat,
    sees_content,
)
from liptako.testing import AllianceFixture


def test_role_predicates(
    secretariat: User, expert_mli: User, validator_bfa: User, admin_user: User, outsider: User
) -> None:
    assert is_secretariat(secretariat)
    assert not is_secretariat(expert_mli)
    assert is_admin(admin_user)
    assert holds_role(Role.VALIDATOR)(validator_bfa)
    assert not holds_role(Role.VALIDATOR)(expert_mli)
    assert holds_role(Role.VALIDATOR) is holds_role(Role.VALIDATOR)
    assert not any(p(outsider) for p in (is_secretariat, is_admin, sees_content))
    assert sees_content(expert_mli)
    assert not sees_content(admin_user)


def test_roles_are_held_for_one_member_state(
    validator_bfa: User, aes: AllianceFixture, secretariat: User
) -> None:
    assert holds_role_for_state(validator_bfa, Role.VALIDATOR, aes.burkina.pk)
    assert not holds_role_for_state(validator_bfa, Role.VALIDATOR, aes.mali.pk)
    assert holds_role_for_state(secretariat, Role.SECRETARIAT, None)
    validates_state = holds_role_for_object_state(Role.VALIDATOR, attribute="pk")
    assert validates_state(validator_bfa, aes.burkina)
    assert not validates_state(validator_bfa, aes.niger)
    assert not validates_state(validator_bfa, None)


def test_anonymous_and_inactive_users_hold_nothing(expert_mli: User, aes: AllianceFixture) -> None:
    assert not holds_role(Role.EXPERT)(AnonymousUser())
    assert not holds_role_for_state(None, Role.EXPERT, aes.mali.pk)
    expert_mli.is_active = False
    assert not holds_role_for_state(expert_mli, Role.EXPERT, aes.mali.pk)
    assert not rules.has_perm("accounts.manage_own_tokens", expert_mli)


@pytest.mark.parametrize(
    ("persona", "may_manage_users"),
    [
        ("secretariat", False),
        ("expert_mli", False),
        ("validator_bfa", False),
        ("focal_point_ner", False),
        ("observer", False),
        ("outsider", False),
        ("admin_user", True),
    ],
)
def test_only_the_admin_manages_users(
    persona: str, may_manage_users: bool, request: pytest.FixtureRequest, aes: AllianceFixture
) -> None:
    user = request.getfixturevalue(persona)
    assert user.has_perm("accounts.manage_users") is may_manage_users
    assert user.has_perm("accounts.manage_own_tokens")


def test_access_reads_the_clearance_rank_and_memberships_in_one_query(
    expert_mli: User, aes: AllianceFixture, markings, django_assert_num_queries
) -> None:
    fresh = User.objects.get(pk=expert_mli.pk)  # clearance DR, expert for Mali
    with django_assert_num_queries(1):  # the rank joined to the memberships
        access = fresh.access
    assert access.clearance_rank == markings["DR"].rank
    assert access.roles_by_state == {aes.mali.pk: frozenset({Role.EXPERT})}
    loaded = User.objects.select_related("clearance").get(pk=expert_mli.pk)
    with django_assert_num_queries(1):
        assert loaded.access.clearance_rank == markings["DR"].rank
    # A user without memberships still gets their clearance (the join's empty side).
    expert_mli.memberships.all().delete()
    alone = User.objects.get(pk=expert_mli.pk)
    with django_assert_num_queries(1):
        assert alone.access.clearance_rank == markings["DR"].rank
    assert alone.access.roles == frozenset()
    # A clearance changed on the object but not saved yet is the one that counts.
    changed = User.objects.get(pk=expert_mli.pk)
    changed.clearance_id = markings["C"].pk
    assert changed.access.clearance_rank == markings["C"].rank
    User.objects.filter(pk=expert_mli.pk).update(clearance=None)
    unset = User.objects.get(pk=expert_mli.pk)
    assert unset.access.clearance_rank == markings["NP"].rank  # the lowest level
