"""Demo monitoring: the quarters of 2025 on the demo plan and the reports of Q1-Q3 2025.

The three member states report for Q1 to Q3 through their focal points (``pointfocal.<code>``),
with a realistic mix: most actions on track, some at risk, some late; Niger's Q2 report is
returned by the secretariat and corrected, then accepted; Burkina Faso's Q3 report awaits
review and Niger's Q3 report is still a draft. Indicator values rise quarter after quarter.

Reports are only taken on an adopted plan: when the earlier parts left the demo plan
submitted to the heads of state, this part records its adoption by the authority of Mali
(a signed decision, through the validation services) first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import serialization

from liptako.accounts.models import User
from liptako.demo.context import DemoContext
from liptako.monitoring import services
from liptako.monitoring.models import (
    DigestSent,
    IndicatorTarget,
    LineStatus,
    MonitoringSettings,
    ProgressReport,
    ReportingPeriod,
)
from liptako.plans.models import Action, Indicator, Measure, Plan, PlanStatus, TimeAggregation

ADOPTED = dt.datetime(2024, 12, 12, 11, 0, tzinfo=dt.UTC)
STATES = ("MLI", "BFA", "NER")
QUARTERS = 3  # Q1-Q3 2025 are reported


def _score(*parts: Any) -> int:
    """A stable pseudo-random number 0-99 from the parts (the demo is the same every time)."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return int(digest[:8], 16) % 100


def _adopt_if_submitted(plan: Plan, context: DemoContext) -> None:
    from liptako.demo.validation import wrap_for_browser
    from liptako.validation import services as validation
    from liptako.validation.models import DecisionKind, VersionState, VersionStatus
    from liptako.validation.offline import generate_private_key_pem, load_private_key

    state = (
        VersionState.objects.filter(plan=plan, status=VersionStatus.SUBMITTED)
        .select_related("version")
        .first()
    )
    authority = User.objects.filter(username="autorite.mli").first()
    secretariat = User.objects.get(username="secretariat")
    if state is None or authority is None:
        return
    passphrase = secrets.token_urlsafe(18)
    pem, raw = generate_private_key_pem(passphrase.encode("utf-8"))
    private_key = load_private_key(pem, passphrase.encode("utf-8"))
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = validation.signing_key_register(
        actor=authority, public_key=raw, wrapped_private_key=wrap_for_browser(pkcs8, passphrase)
    )
    validation.signing_key_confirm(key=key, actor=secretariat, at=ADOPTED - dt.timedelta(days=1))
    statement = validation.statement_issue(
        version=state.version,
        actor=authority,
        kind=DecisionKind.ADOPT,
        member_state=context.member_states["MLI"],
        at=ADOPTED - dt.timedelta(minutes=5),
    )
    validation.decision_sign(
        statement=statement, actor=authority, signature=private_key.sign(statement.data), at=ADOPTED
    )
    plan.refresh_from_db()


def _line(action: Action, quarter: int, state_code: str) -> services.LineInput:
    score = _score(action.code, state_code)
    started = action.start_date <= dt.date(2025, 3 * quarter, 28)
    if not started:
        return services.LineInput(action=action, status=LineStatus.NOT_STARTED, percent_complete=0)
    pace = 20 + score // 3  # percent per quarter
    percent = min(100, pace * quarter)
    if score < 12:
        status, percent = LineStatus.LATE, max(5, percent // 3)
    elif score < 30:
        status, percent = LineStatus.AT_RISK, max(5, percent * 2 // 3)
    elif percent >= 100:
        status = LineStatus.DONE
    else:
        status = LineStatus.ON_TRACK
    values: dict[Any, Decimal | str | None] = {}
    for indicator in action.indicators.all():
        if indicator.measure == Measure.QUALITATIVE:
            values[indicator] = ["Cadre en préparation", "Projet diffusé", "Texte validé"][
                quarter - 1
            ]
        elif indicator.measure == Measure.YES_NO:
            values[indicator] = Decimal(1 if status == LineStatus.DONE else 0)
        elif indicator.measure == Measure.PERCENTAGE:
            values[indicator] = Decimal(min(100, 15 * quarter + score // 5))
        else:
            target = indicator.target_value or Decimal(40)
            values[indicator] = (target / 3 / 4 * (1 + score % 3)).quantize(Decimal(1))
    narratives = {
        LineStatus.ON_TRACK: "Activités conduites selon le calendrier prévu.",
        LineStatus.AT_RISK: "Les activités avancent plus lentement que prévu.",
        LineStatus.LATE: "Activités suspendues faute de financement.",
        LineStatus.DONE: "Action achevée ; rapport final transmis.",
    }
    return services.LineInput(
        action=action,
        status=status,
        percent_complete=100 if status == LineStatus.DONE else percent,
        narrative=narratives.get(status, ""),
        difficulties="Retard de mise à disposition des crédits."
        if status in (LineStatus.LATE, LineStatus.AT_RISK)
        else "",
        next_steps="Poursuivre les activités au trimestre suivant."
        if status != LineStatus.DONE
        else "",
        values=values,
    )


def _prepare(period: ReportingPeriod, code: str, context: DemoContext) -> ProgressReport:
    focal_point = User.objects.get(username=f"pointfocal.{code.lower()}")
    state = context.member_states[code]
    report = services.report_open(period=period, member_state=state, actor=focal_point)
    actions = (
        services.actions_of_state(period.plan, state.pk)
        .filter(pk__in=Action.objects.visible_to(focal_point).values("pk"))
        .prefetch_related("indicators")
        .order_by("position", "pk")
    )
    quarter = period.start.month // 3 + 1
    return services.report_save(
        report=report,
        actor=focal_point,
        lock_version=report.lock_version,
        lines=[_line(action, quarter, code) for action in actions],
    )


def _targets(plan: Plan, periods: list[ReportingPeriod], secretariat: User) -> None:
    """Per-quarter targets of the cumulative numeric indicators: a quarter of the final one
    per quarter."""
    indicators = Indicator.objects.filter(
        plan=plan, measure=Measure.NUMBER, time_aggregation=TimeAggregation.CUMULATIVE
    ).exclude(target_value=None)
    for indicator in indicators:
        for number, period in enumerate(periods, start=1):
            assert indicator.target_value is not None
            services.indicator_target_set(
                period=period,
                indicator=indicator,
                actor=secretariat,
                value=(indicator.target_value * number / 4).quantize(Decimal(1)),
            )


def load(context: DemoContext) -> None:
    plan = Plan.objects.filter(alliance=context.alliance).order_by("pk").first()
    if plan is None:
        return
    secretariat = User.objects.get(username="secretariat")
    if plan.status == PlanStatus.SUBMITTED:
        _adopt_if_submitted(plan, context)
    services.period_generate(plan=plan, actor=secretariat)
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("start"))
    if plan.status != PlanStatus.IN_IMPLEMENTATION:
        return  # no adopted plan: periods only
    _targets(plan, periods[:QUARTERS], secretariat)
    for period in periods[:QUARTERS]:
        for code in STATES:
            focal_point = User.objects.get(username=f"pointfocal.{code.lower()}")
            report = _prepare(period, code, context)
            if period.label == "T3 2025" and code == "NER":
                continue  # still a draft: flagged late on the dashboard
            report = services.report_submit(
                report=report, actor=focal_point, lock_version=report.lock_version
            )
            if period.label == "T3 2025" and code == "BFA":
                continue  # awaits the secretariat's review
            if period.label == "T2 2025" and code == "NER":
                first_line = report.lines.select_related("action").order_by("pk").first()
                report = services.report_review(
                    report=report,
                    actor=secretariat,
                    lock_version=report.lock_version,
                    accept=False,
                    reason="Merci de préciser les difficultés rencontrées.",
                    line_comments={first_line.action: "Quel est le taux exact ?"}
                    if first_line
                    else {},
                )
                report = _prepare(period, code, context)
                report = services.report_submit(
                    report=report, actor=focal_point, lock_version=report.lock_version
                )
            services.report_review(
                report=report, actor=secretariat, lock_version=report.lock_version, accept=True
            )


def delete() -> dict[str, int]:
    from liptako.monitoring.models import Evidence

    for evidence in Evidence.objects.all():
        evidence.file.delete(save=False)
    return {
        "digest_sent": DigestSent.objects.all().delete()[0],
        "indicator_target": IndicatorTarget.objects.all().delete()[0],
        "progress_report": ProgressReport.objects.all().delete()[0],
        "reporting_period": ReportingPeriod.objects.all().delete()[0],
        "monitoring_settings": MonitoringSettings.objects.all().delete()[0],
    }
