"""Periods, reports, review and revisions through the services."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.audit.models import AuditEvent
from liptako.monitoring import services
from liptako.monitoring.exceptions import StaleReport
from liptako.monitoring.models import (
    Evidence,
    IndicatorValue,
    LineStatus,
    MilestoneReached,
    ProgressLine,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liptako.monitoring.services import LineInput

pytestmark = pytest.mark.django_db


def test_it_generates_quarters_labelled_in_french_once(monitored, secretariat):
    labels = list(
        ReportingPeriod.objects.filter(plan=monitored.plan).values_list("label", flat=True)
    )
    assert labels == ["T1 2025", "T2 2025", "T3 2025", "T4 2025"]
    assert monitored.q1.start == dt.date(2025, 1, 1)
    assert monitored.q1.end == dt.date(2025, 3, 31)
    assert monitored.q1.due_date == dt.date(2025, 4, 15)
    assert services.period_generate(plan=monitored.plan, actor=secretariat) == []
    assert AuditEvent.objects.filter(verb="reporting_period.generate").count() == 2


def test_it_generates_periods_of_another_length(aes, secretariat, markings):
    from liptako.plans.tests.conftest import build_small_plan

    small = build_small_plan(aes, secretariat, markings)
    services.monitoring_settings_update(plan=small.plan, actor=secretariat, period_months=6)
    created = services.period_generate(plan=small.plan, actor=secretariat)
    assert [period.label for period in created] == ["S1 2025", "S2 2025"]


def test_only_the_secretariat_manages_periods(monitored, focal_point_ner, expert_mli):
    for user in (focal_point_ner, expert_mli):
        with pytest.raises(PermissionDenied):
            services.period_close(period=monitored.q1, actor=user)
    monitored.q1.refresh_from_db()
    assert monitored.q1.is_open


def test_close_and_reopen_are_guarded_and_audited(monitored, secretariat):
    services.period_close(period=monitored.q1, actor=secretariat)
    with pytest.raises(StaleReport):
        services.period_close(period=monitored.q1, actor=secretariat)
    with pytest.raises(ValidationError):
        services.period_reopen(period=monitored.q1, actor=secretariat, reason=" ")
    services.period_reopen(period=monitored.q1, actor=secretariat, reason="Rapport du Niger")
    event = AuditEvent.objects.filter(verb="reporting_period.reopen").get()
    assert event.payload["reason"] == "Rapport du Niger"


def _line(action, **values):
    return LineInput(action=action, **values)


def test_focal_point_prepares_and_submits_the_report_of_their_state(
    monitored, aes, focal_point_ner
):
    small = monitored.small
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    report = services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=report.lock_version,
        lines=[
            _line(
                small.action_np,
                status=LineStatus.ON_TRACK,
                percent_complete=40,
                narrative="Guide rédigé",
                milestones={small.milestone: dt.date(2025, 3, 10)},
                values={small.indicator: "35,5"},
            )
        ],
    )
    line = ProgressLine.objects.get(report=report)
    assert line.percent_complete == 40
    assert IndicatorValue.objects.get(line=line).value == Decimal("35.5")
    assert MilestoneReached.objects.get(line=line).reached_on == dt.date(2025, 3, 10)
    # saved again: the values are replaced, not duplicated
    report = services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=report.lock_version,
        lines=[_line(small.action_np, status=LineStatus.AT_RISK, percent_complete=30)],
    )
    assert ProgressLine.objects.get(report=report).status == LineStatus.AT_RISK
    assert not IndicatorValue.objects.filter(line__report=report).exists()
    report = services.report_submit(
        report=report, actor=focal_point_ner, lock_version=report.lock_version
    )
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == focal_point_ner
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="progress_report.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "progress_report.create",
        "progress_report.save",
        "progress_report.save",
        "progress_report.submit",
    ]


def test_a_focal_point_of_another_state_cannot_report_for_it(monitored, aes, focal_point_ner):
    with pytest.raises(PermissionDenied):
        services.report_open(period=monitored.q1, member_state=aes.burkina, actor=focal_point_ner)
    assert not ProgressReport.objects.exists()


def test_other_roles_cannot_report(monitored, aes, expert_mli, validator_bfa, observer, outsider):
    for user in (expert_mli, validator_bfa, observer, outsider):
        with pytest.raises(PermissionDenied):
            services.report_open(period=monitored.q1, member_state=aes.mali, actor=user)
    assert not ProgressReport.objects.exists()


def test_a_state_reports_only_on_actions_it_leads_or_partners(
    monitored, aes, focal_point_ner, secretariat
):
    report = services.report_open(period=monitored.q1, member_state=aes.niger, actor=secretariat)
    # action_dr is led by Burkina Faso, with no partner: Niger cannot report on it
    with pytest.raises(ValidationError) as error:
        services.report_save(
            report=report,
            actor=secretariat,
            lock_version=report.lock_version,
            lines=[_line(monitored.small.action_dr, status=LineStatus.ON_TRACK)],
        )
    key = services.line_error_key(monitored.small.action_dr, "action")
    assert "ni chef de file ni partenaire" in error.value.message_dict[key][0]
    assert not ProgressLine.objects.exists()


def test_bad_values_are_refused_with_field_errors_and_nothing_saved(
    monitored, aes, focal_point_ner
):
    small = monitored.small
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    with pytest.raises(ValidationError) as error:
        services.report_save(
            report=report,
            actor=focal_point_ner,
            lock_version=report.lock_version,
            lines=[
                _line(
                    small.action_np,
                    status=LineStatus.DONE,
                    percent_complete=50,
                    values={small.indicator: "150"},
                )
            ],
        )
    errors = error.value.message_dict
    assert services.line_error_key(small.action_np, "percent_complete") in errors
    assert services.line_error_key(small.action_np, f"indicator-{small.indicator.uid}") in errors
    assert not ProgressLine.objects.exists()
    report.refresh_from_db()
    assert report.lock_version == 1


def test_a_stale_save_is_refused(monitored, aes, focal_point_ner):
    small = monitored.small
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=1,
        lines=[_line(small.action_np, percent_complete=10)],
    )
    with pytest.raises(StaleReport):
        services.report_save(
            report=report,
            actor=focal_point_ner,
            lock_version=1,
            lines=[_line(small.action_np, percent_complete=90)],
        )
    assert ProgressLine.objects.get().percent_complete == 10


def test_a_closed_period_takes_no_more_reports(monitored, aes, focal_point_ner, secretariat):
    small = monitored.small
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    report = services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=1,
        lines=[_line(small.action_np, percent_complete=10)],
    )
    services.period_close(period=monitored.q1, actor=secretariat)
    report.period.refresh_from_db()
    with pytest.raises(ValidationError, match="est clôturée"):
        services.report_submit(
            report=report, actor=focal_point_ner, lock_version=report.lock_version
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_submitting_needs_a_line_for_every_action_of_the_state(monitored, aes, secretariat):
    report = services.report_open(period=monitored.q1, member_state=aes.burkina, actor=secretariat)
    report = services.report_save(
        report=report,
        actor=secretariat,
        lock_version=1,
        lines=[_line(monitored.small.action_np, percent_complete=10)],
    )
    with pytest.raises(ValidationError, match=monitored.small.action_dr.code):
        services.report_submit(report=report, actor=secretariat, lock_version=report.lock_version)


def _submitted_niger_report(monitored, aes, focal_point_ner):
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    report = services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=1,
        lines=[_line(monitored.small.action_np, status=LineStatus.ON_TRACK, percent_complete=25)],
    )
    return services.report_submit(
        report=report, actor=focal_point_ner, lock_version=report.lock_version
    )


def test_review_returns_with_reasons_then_accepts_the_corrected_report(
    monitored, aes, focal_point_ner, secretariat
):
    report = _submitted_niger_report(monitored, aes, focal_point_ner)
    with pytest.raises(PermissionDenied):
        services.report_review(
            report=report, actor=focal_point_ner, lock_version=report.lock_version, accept=True
        )
    with pytest.raises(ValidationError):
        services.report_review(
            report=report, actor=secretariat, lock_version=report.lock_version, accept=False
        )
    report = services.report_review(
        report=report,
        actor=secretariat,
        lock_version=report.lock_version,
        accept=False,
        line_comments={monitored.small.action_np: "Préciser le nombre d'unités."},
    )
    assert report.status == ReportStatus.RETURNED
    assert ProgressLine.objects.get().review_comment == "Préciser le nombre d'unités."
    report = services.report_save(
        report=report,
        actor=focal_point_ner,
        lock_version=report.lock_version,
        lines=[_line(monitored.small.action_np, status=LineStatus.ON_TRACK, percent_complete=30)],
    )
    report = services.report_submit(
        report=report, actor=focal_point_ner, lock_version=report.lock_version
    )
    report = services.report_review(
        report=report, actor=secretariat, lock_version=report.lock_version, accept=True
    )
    assert report.status == ReportStatus.ACCEPTED
    # a double click on "accept" changes nothing
    with pytest.raises(ValidationError):
        services.report_review(
            report=report, actor=secretariat, lock_version=report.lock_version, accept=True
        )
    assert AuditEvent.objects.filter(verb="progress_report.accept").count() == 1


def test_an_accepted_report_changes_only_through_a_revision_with_a_reason(
    monitored, aes, focal_point_ner, secretariat
):
    report = _submitted_niger_report(monitored, aes, focal_point_ner)
    report = services.report_review(
        report=report, actor=secretariat, lock_version=report.lock_version, accept=True
    )
    with pytest.raises(ValidationError):
        services.report_save(
            report=report,
            actor=focal_point_ner,
            lock_version=report.lock_version,
            lines=[_line(monitored.small.action_np, percent_complete=99)],
        )
    with pytest.raises(ValidationError):
        services.report_revise(
            report=report, actor=focal_point_ner, lock_version=report.lock_version, reason=""
        )
    report = services.report_revise(
        report=report,
        actor=focal_point_ner,
        lock_version=report.lock_version,
        reason="Erreur de saisie du taux",
    )
    assert report.status == ReportStatus.DRAFT
    assert report.revision == 1
    assert "Erreur de saisie du taux" in report.revision_note
    assert report.revision_note.startswith("Révision 1, révisé le ")


def test_evidence_is_checked_by_size_and_content(monitored, aes, focal_point_ner, settings):
    report = services.report_open(
        period=monitored.q1, member_state=aes.niger, actor=focal_point_ner
    )
    pdf = b"%PDF-1.4\n" + b"x" * 100
    evidence = services.evidence_add(
        report=report,
        actor=focal_point_ner,
        name="preuve.pdf",
        size=len(pdf),
        stream=io.BytesIO(pdf),
    )
    assert evidence.content_type == "application/pdf"
    assert str(settings.MEDIA_ROOT) in evidence.file.path
    assert "evidence" in evidence.file.path
    with pytest.raises(ValidationError, match="pas accepté"):
        services.evidence_add(
            report=report,
            actor=focal_point_ner,
            name="script.pdf",
            size=20,
            stream=io.BytesIO(b"#!/bin/sh\nrm -rf /\n"),
        )

    class Unreadable(io.BytesIO):
        def read(self, *args):  # the size is refused before any byte is read
            raise AssertionError("read before the size check")

    with pytest.raises(ValidationError, match="trop volumineux"):
        services.evidence_add(
            report=report,
            actor=focal_point_ner,
            name="gros.pdf",
            size=11 * 1024 * 1024,
            stream=Unreadable(),
        )
    assert Evidence.objects.count() == 1
