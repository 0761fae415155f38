"""Fixtures of the validation tests: a small plan, validators of the three states with
confirmed keys, and helpers that sign as the holders would (keys in the test's hands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from liptako.accounts.models import Role, User
from liptako.alliance.models import MemberState
from liptako.audit.testing import audit_transactional_db  # noqa: F401
from liptako.core.models import MarkingLevel
from liptako.plans import services as plan_services
from liptako.plans.models import Plan, PlanVersion
from liptako.testing import AllianceFixture, make_user
from liptako.validation import services
from liptako.validation.models import Decision, DecisionKind, SigningKey, VersionState


@dataclass
class Signer:
    user: User
    private_key: Ed25519PrivateKey
    key: SigningKey
    member_state: MemberState

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def raw_public(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def register_key(
    user: User, secretariat: User, *, confirm: bool = True
) -> tuple[Ed25519PrivateKey, SigningKey]:
    private_key = Ed25519PrivateKey.generate()
    key = services.signing_key_register(actor=user, public_key=raw_public(private_key))
    if confirm:
        key = services.signing_key_confirm(key=key, actor=secretariat)
    return private_key, key


def build_plan(aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]) -> Plan:
    plan = plan_services.plan_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Plan d'action Défense et Sécurité 2025",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    axis = plan_services.axis_create(
        plan=plan, actor=secretariat, data={"title": "Interopérabilité"}
    )
    objective = plan_services.objective_create(
        axis=axis, actor=secretariat, data={"title": "Transmissions communes"}
    )
    plan_services.action_create(
        objective=objective,
        actor=secretariat,
        data={
            "title": "Harmoniser les procédures de transmission",
            "lead_state": aes.mali,
            "start_date": date(2025, 2, 1),
            "end_date": date(2025, 6, 30),
        },
    )
    plan_services.action_create(
        objective=objective,
        actor=secretariat,
        data={
            "title": "Plan de fréquences partagé",
            "lead_state": aes.burkina,
            "start_date": date(2025, 3, 1),
            "end_date": date(2025, 9, 30),
            "classification": markings["DR"],
        },
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def plan(aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]) -> Plan:
    return build_plan(aes, secretariat, markings)


@pytest.fixture
def in_validation(plan: Plan, secretariat: User) -> VersionState:
    return services.validation_open(plan=plan, actor=secretariat)


@pytest.fixture
def validator_mli(aes: AllianceFixture) -> User:
    return make_user("validator.mli", role=Role.VALIDATOR, member_state=aes.mali, clearance="C")


@pytest.fixture
def validator_ner(aes: AllianceFixture) -> User:
    return make_user("validator.ner", role=Role.VALIDATOR, member_state=aes.niger, clearance="C")


@pytest.fixture
def authority_mli(aes: AllianceFixture) -> User:
    return make_user("authority.mli", role=Role.AUTHORITY, member_state=aes.mali, clearance="C")


@pytest.fixture
def signers(
    aes: AllianceFixture,
    secretariat: User,
    validator_mli: User,
    validator_bfa: User,
    validator_ner: User,
) -> dict[str, Signer]:
    result = {}
    for code, user, state in (
        ("MLI", validator_mli, aes.mali),
        ("BFA", validator_bfa, aes.burkina),
        ("NER", validator_ner, aes.niger),
    ):
        private_key, key = register_key(user, secretariat)
        result[code] = Signer(user, private_key, key, state)
    return result


def approve(signer: Signer, version: PlanVersion) -> Decision:
    statement = services.statement_issue(
        version=version,
        actor=signer.user,
        kind=DecisionKind.APPROVE,
        member_state=signer.member_state,
    )
    return services.decision_sign(
        statement=statement, actor=signer.user, signature=signer.sign(statement.data)
    )


@pytest.fixture
def validated(in_validation: VersionState, signers: dict[str, Signer]) -> VersionState:
    for code in ("MLI", "BFA", "NER"):
        approve(signers[code], in_validation.version)
    in_validation.refresh_from_db()
    return in_validation
