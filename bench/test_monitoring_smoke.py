"""The monitoring benchmark's generator writes what the services would accept.

No timing is asserted: figures live in docs/benchmarks.md.
"""

from __future__ import annotations

from bench.generate import bench_context
from bench.monitoring import generate_monitoring
from liptako.monitoring.models import IndicatorValue, ProgressLine, ProgressReport, ReportStatus
from liptako.monitoring.rollups import rollup_for_user
from liptako.monitoring.services import actions_of_state
from liptako.plans.models import PlanStatus


def test_generated_monitoring_has_one_line_per_action_and_state_and_counts(markings) -> None:
    context = bench_context()
    generated = generate_monitoring(context=context, actions=6, periods=2)
    plan = generated.plan
    assert plan.status == PlanStatus.IN_IMPLEMENTATION
    assert (generated.reports, generated.lines, generated.values) == (6, 36, 108)
    assert ProgressLine.objects.filter(report__period__plan=plan).count() == 36
    assert IndicatorValue.objects.filter(line__report__period__plan=plan).count() == 108
    pending = ProgressReport.objects.exclude(status=ReportStatus.ACCEPTED)
    assert [(r.period == generated.periods[-1], r.status) for r in pending] == [
        (True, ReportStatus.SUBMITTED)
    ]
    for state in context.states:  # every line is on an action the state leads or partners
        allowed = set(actions_of_state(plan, state.pk).values_list("pk", flat=True))
        reported = set(
            ProgressLine.objects.filter(report__member_state=state).values_list(
                "action_id", flat=True
            )
        )
        assert reported <= allowed
    rollup = rollup_for_user(user=context.secretariat, plan=plan, dimension="plan")
    assert rollup.rows[0].actions == 6
    assert rollup.rows[0].not_reported == 0
