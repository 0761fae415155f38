"""Who may do what with accounts, and the role predicates every other app builds on.

Predicates come from the ``rules`` package and read ``user.access`` (memberships and clearance,
computed once per request). Other apps import the role predicates from here::

    from liptako.accounts.permissions import holds_role, holds_role_for_state
    rules.add_perm("plans.change_action", holds_role(Role.EXPERT) | is_secretariat)
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_otp_webauthn.models import WebAuthnCredential

from liptako.accounts.models import ApiToken, Role, User


def _access_of(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.access


def holds_role_for_state(user: Any, role: str, member_state_id: int | None) -> bool:
    """True when ``user`` holds ``role`` for that member state.

    Alliance-wide roles (secretariat, admin) are held for no member state: pass
    ``member_state_id=None`` to ask "holds this role at all".
    """
    access = _access_of(user)
    if access is None:
        return False
    return bool(access.has_role(role, member_state_id))


_role_predicates: dict[str, rules.Predicate] = {}


def holds_role(role: str) -> rules.Predicate:
    """A predicate true when the user holds ``role`` (for any member state)."""
    if role not in _role_predicates:

        def predicate(user: Any) -> bool:
            return holds_role_for_state(user, role, None)

        _role_predicates[role] = rules.Predicate(predicate, name=f"holds_role:{role}")
    return _role_predicates[role]


def holds_role_for_object_state(
    role: str, *, attribute: str = "member_state_id"
) -> rules.Predicate:
    """A predicate on ``(user, obj)``: the user holds ``role`` for ``obj``'s member state.

    ``attribute`` names the member state id on the object (``member_state_id`` by default;
    ``lead_state_id`` for an action, for example). A ``MemberState`` itself works with
    ``attribute="pk"``.
    """

    def predicate(user: Any, obj: Any) -> bool:
        if obj is None:
            return False
        member_state_id = getattr(obj, attribute, None)
        return member_state_id is not None and holds_role_for_state(user, role, member_state_id)

    return rules.Predicate(predicate, name=f"holds_role_for_object_state:{role}:{attribute}")


@rules.predicate
def is_active_user(user: Any) -> bool:
    return _access_of(user) is not None


is_secretariat = holds_role(Role.SECRETARIAT)
is_expert = holds_role(Role.EXPERT)
is_validator = holds_role(Role.VALIDATOR)
is_authority = holds_role(Role.AUTHORITY)
is_focal_point = holds_role(Role.FOCAL_POINT)
is_observer = holds_role(Role.OBSERVER)
is_admin = holds_role(Role.ADMIN)


@rules.predicate
def sees_content(user: Any) -> bool:
    """Holds a role that reads plans and meetings (the admin role alone does not)."""
    access = _access_of(user)
    return access is not None and bool(access.sees_content)


@rules.predicate
def owns_object(user: Any, obj: Any) -> bool:
    return obj is not None and getattr(obj, "user_id", None) == getattr(user, "pk", object())


# Rules named after what they allow (checked by services, views, templates and the API).
rules.add_perm("accounts.view_own_profile", is_active_user)
rules.add_perm("accounts.change_own_preferences", is_active_user)
rules.add_perm("accounts.manage_own_tokens", is_active_user)
rules.add_perm("accounts.revoke_token", is_active_user & owns_object)
rules.add_perm("accounts.manage_users", is_admin)


def access_api_token(user: User, token_id: int, *, write: bool = False) -> ApiToken:
    """The user's own token ``token_id``.

    Raises 404 when it does not exist or belongs to someone else (a token's existence is
    not revealed), 403 when it is the user's but they may not change it.
    """
    token = ApiToken.objects.filter(pk=token_id, user_id=user.pk).first()
    if token is None:
        raise Http404
    if write and not user.has_perm("accounts.revoke_token", token):
        raise PermissionDenied
    return token


def access_passkey(user: User, passkey_id: int) -> WebAuthnCredential:
    """The user's own passkey ``passkey_id``; 404 when it does not exist or is someone else's
    (its existence is not revealed)."""
    passkey = WebAuthnCredential.objects.filter(pk=passkey_id, user_id=user.pk).first()
    if passkey is None:
        raise Http404
    return passkey
