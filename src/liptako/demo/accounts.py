"""The demo accounts: one per role of DESIGN.md and per member state, random passwords.

Usernames are French, like the UI: ``secretariat``, ``admin``, and per member state
``expert.mli``, ``validateur.mli``, ``autorite.mli``, ``pointfocal.mli``, ``observateur.mli``.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from liptako.accounts.models import SECOND_FACTOR_ROLES, Role, User
from liptako.accounts.services import (
    membership_grant,
    totp_key_new,
    two_factor_create_for_demo,
    user_create,
)
from liptako.alliance import services as alliance_services
from liptako.audit.services import audit_record
from liptako.core.models import MarkingLevel
from liptako.demo.alliance import STATES
from liptako.demo.context import DemoAccount, DemoContext


@dataclass(frozen=True)
class AccountSpec:
    username_prefix: str
    role: Role
    clearance: str  # marking level code
    person_key: str | None  # "{state}" is replaced by the member state's code


ALLIANCE_WIDE_ACCOUNTS = [
    AccountSpec("secretariat", Role.SECRETARIAT, "C", "AES:secretariat"),
    AccountSpec("admin", Role.ADMIN, "NP", None),
]
PER_STATE_ACCOUNTS = [
    AccountSpec("expert", Role.EXPERT, "DR", "{state}:expert1"),
    AccountSpec("validateur", Role.VALIDATOR, "C", "{state}:cemga"),
    # The authority account stands for the office of the head of state, not for a named
    # person (docs/decisions/0025-demo-people.md).
    AccountSpec("autorite", Role.AUTHORITY, "C", None),
    AccountSpec("pointfocal", Role.FOCAL_POINT, "DR", "{state}:focal_point"),
    AccountSpec("observateur", Role.OBSERVER, "NP", None),
]


DEMO_EMAIL_DOMAIN = "demo.liptako.invalid"  # undeliverable (RFC 2606): marks demo accounts


def demo_usernames() -> list[str]:
    names = [spec.username_prefix for spec in ALLIANCE_WIDE_ACCOUNTS]
    for state in STATES:
        names += [f"{spec.username_prefix}.{state.code.lower()}" for spec in PER_STATE_ACCOUNTS]
    return names


def _clearance(code: str) -> MarkingLevel:
    """The level of that code; on a deployment without it, the lowest level (safe side)."""
    return MarkingLevel.objects.filter(code=code).first() or MarkingLevel.lowest()


def _password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, about 96 bits


def _account(
    context: DemoContext, spec: AccountSpec, username: str, state_code: str | None
) -> None:
    password = _password()
    clearance = _clearance(spec.clearance)
    member_state = context.member_states[state_code] if state_code else None
    person = context.people[spec.person_key.format(state=state_code)] if spec.person_key else None
    first_name, last_name = (person.first_name, person.last_name) if person else ("", "")
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None,
            username=username,
            password=password,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            first_name=first_name,
            last_name=last_name,
            clearance=clearance,
        )
    else:
        # A reset keeps the account rows the audit log already points at (as actors) and
        # gives them a fresh password and exactly the demo's role.
        with transaction.atomic():
            user.set_password(password)
            user.clearance = clearance
            user.is_active = True
            user.first_name, user.last_name = first_name, last_name
            user.save(
                update_fields=["password", "clearance", "is_active", "first_name", "last_name"]
            )
            user.memberships.all().delete()
            user.api_tokens.all().delete()
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            audit_record(
                actor=None,
                verb="user.demo_reset",
                target=user,
                payload={"username": username, "clearance": clearance.code},
            )
    membership_grant(actor=None, user=user, role=spec.role, member_state=member_state)
    if person is not None:
        alliance_services.person_update(
            actor=None,
            person=person,
            first_name=person.first_name,
            last_name=person.last_name,
            member_state=person.member_state,
            rank=person.rank,
            title=person.title,
            email=person.email,
            user=user,
        )
    second_factor: dict[str, Any] = {}
    if spec.role in SECOND_FACTOR_ROLES:
        # The roles that require a second factor get one, so a reviewer logs in with the
        # secret of demo-accounts.txt in their app (or `liptako demo_code USERNAME`).
        enrolment = two_factor_create_for_demo(user=user, key_hex=totp_key_new())
        second_factor = {
            "totp_secret": base64.b32encode(enrolment.device.bin_key).decode(),
            "totp_uri": enrolment.device.config_url,
            "recovery_codes": tuple(enrolment.recovery_codes),
        }
    context.accounts.append(
        DemoAccount(username, password, spec.role.value, state_code or "", **second_factor)
    )


def load(context: DemoContext) -> None:
    """Create (or, after a reset, renew) every demo account and link it to its person."""
    for spec in ALLIANCE_WIDE_ACCOUNTS:
        _account(context, spec, spec.username_prefix, None)
    for state in STATES:
        for spec in PER_STATE_ACCOUNTS:
            _account(context, spec, f"{spec.username_prefix}.{state.code.lower()}", state.code)


def delete() -> dict[str, int]:
    """Accounts are kept across resets (the audit log refers to them); see :func:`load`."""
    return {}
