"""Monitoring's panels on the home page: reports to prepare (focal points), to review
(secretariat), and late reports."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liptako.core.home import HomeItem, HomePanel, register_home_panel
from liptako.monitoring.alerts import ReportAlert, digest_for

PANEL_SIZE = 5


def _item(alert: ReportAlert, detail: str) -> HomeItem:
    return HomeItem(
        label=f"{alert.period.label} — {alert.member_state_name}", url=alert.url, detail=detail
    )


def _due(alert: ReportAlert) -> str:
    return _("due %(date)s") % {"date": date_format(alert.period.due_date, "j F Y")}


def reports_panel(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel | None:
    user = request.user
    if not user.is_authenticated:
        return None
    digest = digest_for(user, with_actions=False)
    items = [
        *(_item(alert, _("returned for correction")) for alert in digest.returned),
        *(_item(alert, _("late, %(due)s") % {"due": _due(alert)}) for alert in digest.late_reports),
        *(_item(alert, _due(alert)) for alert in digest.due_soon),
    ]
    return HomePanel(
        title=gettext_lazy("Progress reports due"),
        items=items[:PANEL_SIZE],
        empty_message=gettext_lazy("No progress report is due."),
    )


def review_panel(request: HttpRequest, member_state_ids: frozenset[int]) -> HomePanel | None:
    user = request.user
    if not user.is_authenticated:
        return None
    digest = digest_for(user, with_actions=False)
    items = [
        *(_item(alert, _("awaiting review")) for alert in digest.awaiting_review),
        *(_item(alert, _("late, %(due)s") % {"due": _due(alert)}) for alert in digest.late_reports),
    ]
    return HomePanel(
        title=gettext_lazy("Progress reports"),
        items=items[:PANEL_SIZE],
        empty_message=gettext_lazy("No report awaits review and none is late."),
    )


def register() -> None:
    register_home_panel(
        key="focal_point.reports-due", role="focal_point", order=20, build=reports_panel
    )
    register_home_panel(
        key="monitoring.reports.secretariat", role="secretariat", order=30, build=review_panel
    )
