"""The monitoring objects a journal reader may see (audit/visibility.py): those of visible
plans."""

from __future__ import annotations

from liptako.audit.visibility import register_target_visibility
from liptako.monitoring.models import Evidence, IndicatorTarget, ProgressReport, ReportingPeriod
from liptako.plans.audit_targets import visible_actions, visible_plans


def register() -> None:
    register_target_visibility(
        "monitoring.reportingperiod",
        lambda user: ReportingPeriod.objects.filter(plan__in=visible_plans(user)),
    )
    register_target_visibility(
        "monitoring.progressreport",
        lambda user: ProgressReport.objects.filter(period__plan__in=visible_plans(user)),
    )
    register_target_visibility(
        "monitoring.evidence",
        lambda user: Evidence.objects.filter(report__period__plan__in=visible_plans(user)),
    )
    register_target_visibility(
        "monitoring.indicatortarget",
        lambda user: IndicatorTarget.objects.filter(indicator__action__in=visible_actions(user)),
    )
