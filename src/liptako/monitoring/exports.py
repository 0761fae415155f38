"""The XLSX of a plan's monitoring data: reports, progress lines, indicator values, roll-up.

Built from the user's scope (reports they may read, actions they may see); the highest
marking of what it holds is written at the top of every sheet.
"""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from liptako.core.models import MarkingLevel
from liptako.monitoring.models import IndicatorValue, ProgressLine, ProgressReport, ReportStatus
from liptako.monitoring.permissions import holds_content_role
from liptako.monitoring.rollups import rollup_for_user
from liptako.plans.models import Action, Plan
from liptako.plans.snapshot import decimal_text


def readable_reports(user: Any, plan: Plan) -> Any:
    """The plan's reports ``user`` may read (as ``permissions.may_read_report``, in SQL)."""
    reports = ProgressReport.objects.filter(period__plan=plan)
    access = user.access
    if access.sees_all_member_states and holds_content_role(user):
        return reports
    return reports.filter(
        Q(member_state_id__in=access.member_state_ids) | Q(status=ReportStatus.ACCEPTED)
    )


def _marking(user: Any, plan: Plan) -> MarkingLevel:
    ranks = Action.objects.visible_to(user).filter(plan=plan).values("classification__rank")
    level = (
        MarkingLevel.objects.filter(Q(rank__in=ranks) | Q(pk=plan.classification_id))
        .order_by("-rank")
        .first()
    )
    assert level is not None
    return level


def monitoring_xlsx(*, user: Any, plan: Plan) -> bytes:
    visible = Action.objects.visible_to(user).filter(plan=plan).values("pk")
    reports = readable_reports(user, plan)
    marking = _marking(user, plan)
    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: Any, first: bool = False) -> None:
        worksheet = workbook.active if first else workbook.create_sheet()
        assert worksheet is not None
        worksheet.title = title
        worksheet.append([f"{marking.label} ({marking.code})"])
        worksheet["A1"].font = bold
        worksheet.append(header)
        for cell in worksheet[2]:
            cell.font = bold
        for row in rows:
            worksheet.append(row)

    sheet(
        _("Reports"),
        [
            _("Period"),
            _("Member state"),
            _("Status"),
            _("Revision"),
            _("Submitted at"),
            _("Reviewed at"),
        ],
        (
            [
                report.period.label,
                report.member_state.code,
                report.get_status_display(),
                report.revision,
                report.submitted_at.replace(tzinfo=None) if report.submitted_at else None,
                report.reviewed_at.replace(tzinfo=None) if report.reviewed_at else None,
            ]
            for report in reports.select_related("period", "member_state").order_by(
                "period__start", "member_state__code"
            )
        ),
        first=True,
    )
    sheet(
        _("Progress lines"),
        [
            _("Period"),
            _("Member state"),
            _("Report status"),
            _("Action"),
            _("Title"),
            _("Status"),
            _("Percent complete"),
            _("What was done"),
            _("Difficulties"),
            _("Next steps"),
        ],
        (
            [
                line.report.period.label,
                line.report.member_state.code,
                line.report.get_status_display(),
                line.action.code,
                line.action.title,
                line.get_status_display(),
                line.percent_complete,
                line.narrative,
                line.difficulties,
                line.next_steps,
            ]
            for line in ProgressLine.objects.filter(report__in=reports, action__in=visible)
            .select_related("report__period", "report__member_state", "action")
            .order_by("report__period__start", "report__member_state__code", "action__position")
        ),
    )
    sheet(
        _("Indicator values"),
        [
            _("Period"),
            _("Member state"),
            _("Report status"),
            _("Indicator"),
            _("Name"),
            _("Value"),
            _("Unit"),
        ],
        (
            [
                value.line.report.period.label,
                value.line.report.member_state.code,
                value.line.report.get_status_display(),
                value.indicator.code,
                value.indicator.name,
                decimal_text(value.value) if value.value is not None else value.text,
                value.indicator.unit,
            ]
            for value in IndicatorValue.objects.filter(
                line__report__in=reports, line__action__in=visible
            )
            .select_related("line__report__period", "line__report__member_state", "indicator")
            .order_by(
                "line__report__period__start",
                "line__report__member_state__code",
                "indicator__position",
            )
        ),
    )
    rollup = rollup_for_user(user=user, plan=plan, dimension="axis")
    sheet(
        _("By axis"),
        [_("Axis"), _("Actions"), _("Percent complete"), _("Late"), _("Not reported")],
        (
            [
                f"{row.code} {row.label}",
                row.actions,
                float(row.percent_complete) if row.percent_complete is not None else None,
                row.late,
                row.not_reported,
            ]
            for row in rollup.rows
        ),
    )
    worksheet = workbook[_("By axis")]
    for line in rollup.explanation:
        worksheet.append([line])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
