"""API operations of the accounts app (thin adapters over its services and selectors)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from liptako.accounts.models import User

router = Router(tags=["accounts"])


class MemberStateRef(Schema):
    code: str
    name: str


class RoleOut(Schema):
    role: str
    label: str
    member_state: MemberStateRef | None


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    roles: list[RoleOut]
    clearance: str | None
    language: str
    timezone: str


@router.get("/me", response=MeOut, summary="The signed-in user", url_name="me")
def me(request: HttpRequest) -> MeOut:
    """Who the caller is: roles (with their member states), clearance and preferences."""
    user: User = request.auth  # type: ignore[attr-defined]
    memberships = user.memberships.select_related("member_state").order_by(
        "role", "member_state__code"
    )
    clearance = user.clearance.code if user.clearance_id is not None else None  # type: ignore[union-attr]
    return MeOut(
        username=user.username,
        full_name=user.get_full_name(),
        email=user.email,
        roles=[
            RoleOut(
                role=membership.role,
                label=str(membership.get_role_display()),
                member_state=MemberStateRef(
                    code=membership.member_state.code, name=membership.member_state.name
                )
                if membership.member_state is not None
                else None,
            )
            for membership in memberships
        ],
        clearance=clearance,
        language=user.language,
        timezone=user.timezone,
    )
