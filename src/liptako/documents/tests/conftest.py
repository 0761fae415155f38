"""Fixtures of the documents tests: the plans' small plan, and a version validated by the
three member states (signed as the holders would, keys in the test's hands)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liptako.accounts.models import Role, User
from liptako.core.models import MarkingLevel
from liptako.plans import services as plan_services
from liptako.plans.models import PlanVersion
from liptako.plans.tests.conftest import SmallPlan, build_small_plan
from liptako.testing import AllianceFixture, make_user
from liptako.validation import services as validation_services
from liptako.validation.tests.conftest import Signer, approve, register_key


@pytest.fixture(autouse=True)
def own_home(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Each test keeps its rendered PDFs (documents.rendered) in its own folder."""
    settings.LIPTAKO_HOME = tmp_path  # type: ignore[attr-defined]
    return tmp_path


@pytest.fixture
def small_plan(
    aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]
) -> SmallPlan:
    return build_small_plan(aes, secretariat, markings)


@pytest.fixture
def version(small_plan: SmallPlan, secretariat: User) -> PlanVersion:
    return plan_services.plan_version_freeze(plan=small_plan.plan, actor=secretariat)


@pytest.fixture
def validated_version(
    small_plan: SmallPlan, secretariat: User, validator_bfa: User, aes: AllianceFixture
) -> PlanVersion:
    state = validation_services.validation_open(plan=small_plan.plan, actor=secretariat)
    validator_mli = make_user(
        "validator.mli", role=Role.VALIDATOR, member_state=aes.mali, clearance="C"
    )
    validator_ner = make_user(
        "validator.ner", role=Role.VALIDATOR, member_state=aes.niger, clearance="C"
    )
    for user, member_state in (
        (validator_mli, aes.mali),
        (validator_bfa, aes.burkina),
        (validator_ner, aes.niger),
    ):
        private_key, key = register_key(user, secretariat)
        approve(Signer(user, private_key, key, member_state), state.version)
    return state.version
