"""Fixtures of the monitoring tests: the small plan of the plans tests, adopted, with periods."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from liptako.accounts.models import Role, User
from liptako.core.models import MarkingLevel
from liptako.monitoring import services
from liptako.monitoring.models import ReportingPeriod
from liptako.plans.models import Plan, PlanStatus
from liptako.plans.tests.conftest import SmallPlan, build_small_plan
from liptako.testing import AllianceFixture, make_user


def adopt(plan: Plan) -> None:
    """Stand-in for the validation workflow's last step (its own tests cover it)."""
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.IN_IMPLEMENTATION)
    plan.refresh_from_db()


@dataclass
class Monitored:
    small: SmallPlan
    periods: list[ReportingPeriod]

    @property
    def plan(self) -> Plan:
        return self.small.plan

    @property
    def q1(self) -> ReportingPeriod:
        return self.periods[0]

    @property
    def q2(self) -> ReportingPeriod:
        return self.periods[1]


@pytest.fixture(autouse=True)
def _evidence_root(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def monitored(
    aes: AllianceFixture, secretariat: User, markings: dict[str, MarkingLevel]
) -> Monitored:
    small = build_small_plan(aes, secretariat, markings)
    adopt(small.plan)
    periods = services.period_generate(plan=small.plan, actor=secretariat)
    return Monitored(small=small, periods=periods)


@pytest.fixture
def focal_point_bfa(aes: AllianceFixture) -> User:
    return make_user("focal.bfa", role=Role.FOCAL_POINT, member_state=aes.burkina)


@pytest.fixture
def focal_point_mli(aes: AllianceFixture) -> User:
    return make_user("focal.mli", role=Role.FOCAL_POINT, member_state=aes.mali, clearance="C")
