"""The quarterly report of a period: PDF and DOCX, as each reader may see it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from docx import Document
from pypdf import PdfReader

from liptako.audit.models import AuditEvent
from liptako.meetings import services as meeting_services
from liptako.meetings.models import MeetingKind
from liptako.monitoring import quarterly, services
from liptako.monitoring.models import ProgressReport
from liptako.monitoring.rollups import visible_indicators

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2025, 10, 20, 10, tzinfo=dt.UTC)


def _pdf_pages(content: bytes) -> list[str]:
    """The text of each page, its white space collapsed (PDF lines break anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _docx_text(content: bytes) -> tuple[str, list[str]]:
    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    margins = [
        paragraph.text
        for section in document.sections
        for part in (section.header, section.footer)
        for paragraph in part.paragraphs
    ]
    return "\n".join(parts), margins


def _report(monitored, state, secretariat, lines, *, accept=True, values=None):
    """A state's Q3 report with ``lines`` (action, status, percent, difficulties); ``values``:
    indicator values of the line of the indicator's action."""
    report = services.report_open(
        period=monitored.periods[2], member_state=state, actor=secretariat
    )
    report = services.report_save(
        report=report,
        actor=secretariat,
        lock_version=report.lock_version,
        lines=[
            services.LineInput(
                action=action,
                status=status,
                percent_complete=percent,
                difficulties=difficulties,
                values={
                    indicator: value
                    for indicator, value in (values or {}).items()
                    if indicator.action_id == action.pk
                },
            )
            for action, status, percent, difficulties in lines
        ],
    )
    report = services.report_submit(
        report=report, actor=secretariat, lock_version=report.lock_version
    )
    if accept:
        report = services.report_review(
            report=report, actor=secretariat, lock_version=report.lock_version, accept=True
        )
    return report


@pytest.fixture
def q3(monitored, aes, secretariat):
    """Q3 2025: Burkina Faso's report accepted (its DR action late, with its difficulties; 30 %
    of units equipped against a target of 80 %: off track), Mali's submitted and not yet
    reviewed, Niger's missing; a committee held in August decided on the NP action, and took a
    confidential decision."""
    small = monitored.small
    _report(
        monitored,
        aes.burkina,
        secretariat,
        [
            (small.action_np, "on_track", 40, ""),
            (small.action_dr, "late", 35, "Retard de livraison des postes radio"),
        ],
        values={small.indicator: Decimal("30")},
    )
    _report(monitored, aes.mali, secretariat, [(small.action_np, "on_track", 55, "")], accept=False)
    meeting = meeting_services.meeting_create(
        actor=secretariat,
        alliance=aes.alliance,
        title="Comité des chefs d'état-major",
        kind=MeetingKind.CHIEFS_COMMITTEE,
        starts_at=dt.datetime(2025, 8, 12, 9, tzinfo=dt.UTC),
        ends_at=dt.datetime(2025, 8, 12, 17, tzinfo=dt.UTC),
        city="Niamey",
        plan=monitored.plan,
    )
    for status in ("convened", "held"):
        meeting_services.meeting_transition(
            actor=secretariat, meeting=meeting, to_status=status, send_invitations=False
        )
    meeting_services.meeting_decision_take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Accélérer la livraison des postes radio",
        follow_up="Rapport d'étape au prochain comité",
        follow_up_state=aes.burkina,
        due_date=dt.date(2025, 11, 30),
        actions=[small.action_np],
    )
    meeting_services.meeting_decision_take(
        actor=secretariat,
        meeting=meeting,
        kind="decided",
        text="Décision confidentielle sur les stocks",
        classification=small.action_c.classification,
    )
    return monitored.periods[2]


def _url(period, extension, lang=""):
    query = f"?lang={lang}" if lang else ""
    return f"/suivi/periodes/{period.uid}/rapport-trimestriel.{extension}{query}"


@time_machine.travel(TODAY, tick=False)
def test_the_pdf_has_the_figures_late_actions_decisions_and_markings_on_every_page(
    client, q3, monitored, secretariat
):
    client.force_login(secretariat)
    response = client.get(_url(q3, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert 'filename="rapport-trimestriel-t3-2025.pdf"' in response["Content-Disposition"]
    pages = _pdf_pages(response.content)
    assert len(pages) >= 3
    for page in pages:  # the secretariat's copy holds the confidential action: top and bottom
        assert page.count("Confidentiel") >= 2, page[:300]
    text = "\n".join(pages)
    assert "Rapport trimestriel de mise en œuvre" in text
    assert "T3 2025" in text
    assert "Avancement par axe" in text
    assert "Burkina Faso" in text
    # The DR action Burkina Faso leads is late at the end of Q3 (ended 30 September), with the
    # difficulties of the accepted report as its reason.
    assert monitored.small.action_dr.code in text
    assert "Retard de livraison des postes radio" in text
    # Mali's report is submitted, not accepted: it is not counted; Niger's is missing.
    assert "Soumis" in text
    assert "Aucun rapport" in text
    # Decisions of the committee held in August, and the indicators: the summary by axis,
    # then the off-track indicator (30 % against 80 %).
    assert "Accélérer la livraison des postes radio" in text
    assert "Décision confidentielle sur les stocks" in text
    assert "Indicateurs les plus éloignés de leur cible" in text
    assert monitored.small.indicator.code in text
    assert "Hors trajectoire" in text


@time_machine.travel(TODAY, tick=False)
def test_a_reader_gets_only_what_they_may_see_and_the_number_withheld(
    client, q3, monitored, expert_mli
):
    client.force_login(expert_mli)
    pages = _pdf_pages(client.get(_url(q3, "pdf")).content)
    text = "\n".join(pages)
    assert monitored.small.action_c.title not in text
    assert "Décision confidentielle sur les stocks" not in text
    assert "Accélérer la livraison des postes radio" in text
    assert "1 élément retenu : une action que vous ne pouvez pas voir." in text
    assert "1 élément retenu : une décision que vous ne pouvez pas voir." in text
    for page in pages:  # the highest marking of this copy is DR, not C
        assert page.count("Diffusion restreinte") >= 2
        assert "Confidentiel" not in page


@time_machine.travel(TODAY, tick=False)
def test_the_report_is_in_english_on_request(client, q3, secretariat):
    client.force_login(secretariat)
    text = "\n".join(_pdf_pages(client.get(_url(q3, "pdf", "en")).content))
    assert "Quarterly implementation report" in text
    assert "Progress by axis" in text
    assert "Late actions" in text
    assert "Rapport trimestriel" not in text
    # An unknown language gives the French document.
    text = "\n".join(_pdf_pages(client.get(_url(q3, "pdf", "xx")).content))
    assert "Rapport trimestriel de mise en œuvre" in text


@time_machine.travel(TODAY, tick=False)
def test_the_docx_carries_the_same_content_and_the_marking_in_header_and_footer(
    client, q3, monitored, secretariat, expert_mli
):
    client.force_login(secretariat)
    response = client.get(_url(q3, "docx"))
    assert response.status_code == 200
    assert 'filename="rapport-trimestriel-t3-2025.docx"' in response["Content-Disposition"]
    text, margins = _docx_text(response.content)
    assert margins
    assert all("Confidentiel" in margin for margin in margins)
    assert "Rapport trimestriel de mise en œuvre" in text
    assert "Retard de livraison des postes radio" in text
    assert "Accélérer la livraison des postes radio" in text
    assert "█" in text  # the bars of the charts, in characters
    client.force_login(expert_mli)
    text, margins = _docx_text(client.get(_url(q3, "docx", "en")).content)
    assert all("Restricted" in margin or "restreinte" in margin for margin in margins)
    assert "Quarterly implementation report" in text
    assert monitored.small.action_c.title not in text
    assert "1 item withheld: an action you may not see." in text


@time_machine.travel(TODAY, tick=False)
def test_the_pdf_shows_the_new_figure_once_a_report_is_accepted(
    client, q3, monitored, aes, secretariat
):
    client.force_login(secretariat)
    before = "\n".join(_pdf_pages(client.get(_url(q3, "pdf")).content))
    report = ProgressReport.objects.get(period=q3, member_state=aes.mali)
    services.report_review(
        report=report, actor=secretariat, lock_version=report.lock_version, accept=True
    )
    after = "\n".join(_pdf_pages(client.get(_url(q3, "pdf")).content))
    # Mali leads the NP action: its accepted 55 % now drives the axis of that action.
    assert "55,0 %" not in before
    assert "55,0 %" in after


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("secretariat", 200),
        ("expert_mli", 200),
        ("focal_point_ner", 200),
        ("observer", 200),
        ("outsider", 404),
        ("admin_user", 404),
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_who_may_download_the_quarterly_report(client, request, q3, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    events = AuditEvent.objects.count()
    statuses = dict(ProgressReport.objects.values_list("pk", "status"))
    assert client.get(_url(q3, "docx")).status_code == expected
    assert AuditEvent.objects.count() == events  # a download changes nothing
    assert dict(ProgressReport.objects.values_list("pk", "status")) == statuses


def test_anonymous_visitors_are_sent_to_the_login_page(client, q3):
    response = client.get(_url(q3, "pdf"))
    assert response.status_code == 302
    assert "/connexion/" in response["Location"] or "login" in response["Location"]


@time_machine.travel(TODAY, tick=False)
def test_the_periods_page_and_the_dashboard_link_to_the_reports(client, q3, monitored, secretariat):
    client.force_login(secretariat)
    periods = client.get(f"/suivi/plans/{monitored.plan.uid}/periodes/").content.decode()
    assert _url(q3, "pdf") in periods
    assert _url(q3, "docx") in periods
    dashboard = client.get(f"/suivi/plans/{monitored.plan.uid}/?periode={q3.uid}").content.decode()
    assert _url(q3, "pdf") in dashboard
    assert _url(q3, "pdf", "en") in dashboard


@time_machine.travel(TODAY, tick=False)
def test_the_report_lists_the_most_overdue_actions_and_says_how_many_more(
    client, q3, monitored, aes, secretariat, monkeypatch
):
    """A report read in five minutes: the most overdue late actions (here capped at 1, as the
    1,000-action plan is capped at SUMMARY_ROWS), then "and M more" pointing to the XLSX; the
    tables by axis still count every late action."""
    small = monitored.small
    full = quarterly.quarterly_report_for_user(user=secretariat, period=q3)
    assert full.headline is not None
    late = full.headline.late
    assert late >= 2, "the fixture needs two late actions to show the cap"
    assert [a.days_late for a in full.late_actions] == sorted(
        (a.days_late for a in full.late_actions), reverse=True
    )
    assert full.late_actions_more == 0
    assert full.indicators_off_track_more == 0

    monkeypatch.setattr(quarterly, "SUMMARY_ROWS", 1)
    capped = quarterly.quarterly_report_for_user(user=secretariat, period=q3)
    assert capped.late_actions == full.late_actions[:1]
    assert capped.late_actions_more == late - 1
    assert sum(row.late for row in capped.by_axis.rows) == late  # counts keep every action
    client.force_login(secretariat)
    text = "\n".join(_pdf_pages(client.get(_url(q3, "pdf")).content))
    most_overdue = full.late_actions[0]
    assert f"{most_overdue.code} {most_overdue.title}" in text
    for hidden in full.late_actions[1:]:
        assert f"{hidden.code} {hidden.title}" not in text
    more = "autre action en retard" if late == 2 else "autres actions en retard"
    assert f"Et {late - 1} {more} : voir le classeur de données du plan (XLSX)" in text
    docx, _margins = _docx_text(client.get(_url(q3, "docx")).content)
    assert f"Et {late - 1} {more} : voir le classeur de données du plan (XLSX)" in docx
    assert small.indicator.code in docx  # the one off-track indicator is within the cap


@time_machine.travel(TODAY, tick=False)
def test_indicators_are_summarised_by_axis_and_the_off_target_ones_listed(
    q3, monitored, secretariat, monkeypatch
):
    small = monitored.small
    report = quarterly.quarterly_report_for_user(user=secretariat, period=q3)
    by_axis = {row.axis: row for row in report.indicator_summary}
    axis = f"{small.axis1.code} {small.axis1.title}"
    assert by_axis[axis].off_track == 1
    assert sum(row.indicators for row in report.indicator_summary) == sum(
        1 for _ in visible_indicators(user=secretariat, plan=monitored.plan)
    )
    assert [row.indicator for row in report.indicators] == [
        f"{small.indicator.code} {small.indicator.name}"
    ]
    monkeypatch.setattr(quarterly, "SUMMARY_ROWS", 0)
    capped = quarterly.quarterly_report_for_user(user=secretariat, period=q3)
    assert capped.indicators == []
    assert capped.indicators_off_track_more == 1
