"""Who may read and edit the alliance directory.

The directory (member states, organisations, people, positions) carries no marking: it is
the alliance's who's who, read by everyone who works in Liptako. Reading needs a logged-in,
active account holding at least one role, the admin role included (accounts are linked to
people by the admin); an account with no role sees nothing. Editing is the secretariat's
(docs/decisions/0022-directory-permissions.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from liptako.accounts.permissions import is_active_user, is_secretariat
from liptako.alliance.models import MemberState, Organisation, Person, Position

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import User


@rules.predicate
def holds_any_role(user: Any) -> bool:
    return bool(user.access.roles)


# Reading: any role (content roles and the admin role alike); editing: the secretariat.
can_view_directory = is_active_user & holds_any_role
can_change_directory = is_active_user & is_secretariat

rules.add_perm("alliance.view_directory", can_view_directory)
rules.add_perm("alliance.change_directory", can_change_directory)


def may_view_directory(user: User | AnonymousUser | None) -> bool:
    return bool(can_view_directory(user))


def may_change_directory(user: User | AnonymousUser | None) -> bool:
    return bool(can_change_directory(user))


def require_view_directory(user: User | AnonymousUser) -> None:
    """For list pages: 403 for a logged-in account without any role."""
    if not may_view_directory(user):
        raise PermissionDenied(_("You have no role giving access to the directory."))


def require_change_directory(user: User | AnonymousUser | None) -> None:
    if not may_change_directory(user):
        raise PermissionDenied(_("Only the secretariat may edit the directory."))


def _check(user: User | AnonymousUser, *, write: bool) -> None:
    if not may_view_directory(user):
        # A user who may not read the directory gets the answer of a missing object.
        raise Http404
    if write:
        require_change_directory(user)


def access_member_state(
    user: User | AnonymousUser, code: str, *, write: bool = False
) -> MemberState:
    """The member state of ISO code ``code``: 404 when missing or unreadable, 403 on write."""
    _check(user, write=write)
    try:
        return MemberState.objects.select_related("alliance").get(code=code.upper())
    except MemberState.DoesNotExist:
        raise Http404 from None


def access_organisation(
    user: User | AnonymousUser, organisation_id: int, *, write: bool = False
) -> Organisation:
    _check(user, write=write)
    try:
        return Organisation.objects.select_related("member_state", "parent", "alliance").get(
            pk=organisation_id
        )
    except Organisation.DoesNotExist:
        raise Http404 from None


def access_person(user: User | AnonymousUser, person_id: int, *, write: bool = False) -> Person:
    _check(user, write=write)
    try:
        return Person.objects.select_related("member_state", "user").get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404 from None


def access_position(
    user: User | AnonymousUser, position_id: int, *, write: bool = False
) -> Position:
    _check(user, write=write)
    try:
        return Position.objects.select_related(
            "person", "person__member_state", "organisation", "organisation__member_state"
        ).get(pk=position_id)
    except Position.DoesNotExist:
        raise Http404 from None
