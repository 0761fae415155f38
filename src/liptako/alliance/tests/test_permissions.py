"""The directory's rules, as templates and the API see them through ``has_perm``."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from liptako.alliance.permissions import access_person


@pytest.mark.parametrize(
    ("persona", "may_view", "may_change"),
    [
        ("secretariat", True, True),
        ("expert_mli", True, False),
        ("validator_bfa", True, False),
        ("focal_point_ner", True, False),
        ("observer", True, False),
        ("admin_user", True, False),
        ("outsider", False, False),
    ],
)
def test_who_may_view_and_change_the_directory(request, persona, may_view, may_change):
    user = request.getfixturevalue(persona)
    assert user.has_perm("alliance.view_directory") is may_view
    assert user.has_perm("alliance.change_directory") is may_change


def test_an_inactive_secretariat_account_may_do_nothing(secretariat):
    secretariat.is_active = False
    assert not secretariat.has_perm("alliance.change_directory")


def test_access_person_is_404_when_unreadable_and_403_when_not_writable(
    directory, outsider, expert_mli, secretariat
):
    with pytest.raises(Http404):
        access_person(outsider, directory.diarra.pk)
    with pytest.raises(Http404):
        access_person(secretariat, 999_999, write=True)
    assert access_person(expert_mli, directory.diarra.pk) == directory.diarra
    with pytest.raises(PermissionDenied):
        access_person(expert_mli, directory.diarra.pk, write=True)
    assert access_person(secretariat, directory.diarra.pk, write=True) == directory.diarra
