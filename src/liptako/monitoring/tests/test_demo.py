"""The demo's monitoring: Q1-Q3 2025 reported by the three member states."""

from __future__ import annotations

from pathlib import Path

import pytest

from liptako.audit.models import AuditEvent
from liptako.demo.loader import load_demo
from liptako.monitoring.models import (
    IndicatorValue,
    LineStatus,
    ProgressLine,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liptako.monitoring.rollups import rollup_for_user
from liptako.plans.models import Plan, PlanStatus


@pytest.fixture
def demo(db: None, settings, tmp_path: Path, django_capture_on_commit_callbacks) -> Path:
    settings.LIPTAKO_HOME = tmp_path
    settings.MEDIA_ROOT = tmp_path / "files"
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    return tmp_path


def test_the_demo_reports_q1_to_q3_2025_with_a_realistic_mix(demo: Path) -> None:
    plan = Plan.objects.get()
    assert plan.status == PlanStatus.IN_IMPLEMENTATION
    labels = list(ReportingPeriod.objects.filter(plan=plan).values_list("label", flat=True))
    assert labels == ["T1 2025", "T2 2025", "T3 2025", "T4 2025"]
    reports = {
        (report.period.label, report.member_state.code): report
        for report in ProgressReport.objects.select_related("period", "member_state")
    }
    assert len(reports) == 9
    assert reports[("T2 2025", "NER")].status == ReportStatus.ACCEPTED
    returned = AuditEvent.objects.filter(verb="progress_report.return").get()
    assert returned.payload["period"] == "T2 2025"  # returned once, then corrected
    assert returned.payload["member_state"] == "NER"
    assert reports[("T3 2025", "BFA")].status == ReportStatus.SUBMITTED
    assert reports[("T3 2025", "NER")].status == ReportStatus.DRAFT
    statuses = set(ProgressLine.objects.values_list("status", flat=True))
    assert {LineStatus.ON_TRACK, LineStatus.AT_RISK, LineStatus.LATE} <= statuses
    assert IndicatorValue.objects.exists()
    from liptako.accounts.models import User

    rollup = rollup_for_user(
        user=User.objects.get(username="secretariat"), plan=plan, dimension="plan"
    )
    assert rollup.rows[0].percent_complete


def test_the_demo_s_q3_2025_quarterly_report_is_ready_to_download(demo: Path, client) -> None:
    import io

    from pypdf import PdfReader

    from liptako.accounts.models import User

    period = ReportingPeriod.objects.get(label="T3 2025")
    client.force_login(User.objects.get(username="secretariat"))
    periods_page = client.get(f"/suivi/plans/{period.plan.uid}/periodes/").content.decode()
    url = f"/suivi/periodes/{period.uid}/rapport-trimestriel.pdf"
    assert url in periods_page
    response = client.get(url)
    assert response.status_code == 200
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Rapport trimestriel de mise en œuvre" in text
    assert "Période T3 2025" in text
    # Mali's Q3 report is accepted, Burkina Faso's awaits review, Niger's is a draft.
    assert "Mali Accepté oui" in text
    assert "Burkina Faso Soumis non" in text
    assert "Niger Brouillon" in text
    assert "Actions en retard" in text
