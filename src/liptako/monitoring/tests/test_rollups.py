"""Roll-ups: compared with a straightforward Python computation over the raw rows."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liptako.core.models import MarkingLevel
from liptako.monitoring import services
from liptako.monitoring.models import (
    IndicatorTarget,
    IndicatorValue,
    LineStatus,
    MonitoringSettings,
    ProgressLine,
    ProgressReport,
    ReportStatus,
    Weighting,
)
from liptako.monitoring.rollups import (
    NOT_REPORTED,
    indicator_achievements_for_user,
    rollup_for_user,
    rollups_for_user,
)
from liptako.monitoring.selectors import late_actions_for_user, late_actions_summary_for_user
from liptako.plans.models import Action, Indicator, Measure

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 8, 15)

action_strategy = st.fixed_dictionaries(
    {
        "objective": st.integers(0, 2),
        "lead": st.integers(0, 2),
        "partners": st.sets(st.integers(0, 2), max_size=2),
        "budget": st.one_of(st.none(), st.integers(0, 5_000_000)),
        "end_month": st.integers(1, 12),
        "secret": st.booleans(),
    }
)
line_strategy = st.fixed_dictionaries(
    {
        "action": st.integers(0, 11),
        "state": st.integers(0, 2),
        "period": st.integers(0, 3),
        "status": st.sampled_from(LineStatus.values),
        "percent": st.integers(0, 100),
    }
)
report_status_strategy = st.lists(st.sampled_from(ReportStatus.values), min_size=12, max_size=12)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _build(monitored, aes, actions_data, lines_data, report_statuses):
    plan = monitored.plan
    small = monitored.small
    objectives = [small.objective11, small.objective12, small.objective21]
    states = aes.states
    np_level = MarkingLevel.objects.get(code="NP")
    c_level = MarkingLevel.objects.get(code="C")
    Action.objects.filter(plan=plan).delete()
    actions = Action.objects.bulk_create(
        Action(
            plan=plan,
            objective=objectives[data["objective"]],
            position=n + 1,
            code=f"R{n + 1}",
            title=f"Action {n + 1}",
            lead_state=states[data["lead"]],
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2025, data["end_month"], 28),
            budget_amount=None if data["budget"] is None else Decimal(data["budget"]),
            classification=c_level if data["secret"] else np_level,
        )
        for n, data in enumerate(actions_data)
    )
    for action, data in zip(actions, actions_data, strict=True):
        action.partner_states.set([states[p] for p in data["partners"] if p != data["lead"]])
    reports = {}
    for index, status in enumerate(report_statuses):
        period, state = divmod(index, 3)
        reports[(period, state)] = ProgressReport.objects.create(
            period=monitored.periods[period], member_state=states[state], status=status
        )
    seen = set()
    lines = []
    for data in lines_data:
        if data["action"] >= len(actions):
            continue
        key = (data["action"], data["state"], data["period"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            ProgressLine(
                report=reports[(data["period"], data["state"])],
                action=actions[data["action"]],
                status=data["status"],
                percent_complete=100 if data["status"] == LineStatus.DONE else data["percent"],
            )
        )
    ProgressLine.objects.bulk_create(lines)
    return actions


def _progress(actions_data, lines_data, report_statuses, as_of):
    """Per action index: (status, percent) of its lead state's latest accepted line."""
    progress = {}
    for index, data in enumerate(actions_data):
        best = None
        for line in lines_data:
            if line["action"] != index or line["state"] != data["lead"]:
                continue
            if line["period"] > as_of:
                continue
            if report_statuses[line["period"] * 3 + line["state"]] != ReportStatus.ACCEPTED:
                continue
            if best is None or line["period"] > best["period"]:
                # the first line of a (action, state, period) wins, as in _build
                best = line
            elif line["period"] == best["period"]:
                continue
        if best is None:
            progress[index] = (NOT_REPORTED, 0)
        else:
            status = best["status"]
            percent = 100 if status == LineStatus.DONE else best["percent"]
            progress[index] = (status, percent)
    return progress


def _expected_late(user_sees_secret, actions_data, lines_data, report_statuses):
    """The indexes of the late actions the user sees, by the latest accepted lines."""
    progress = _progress(actions_data, lines_data, report_statuses, as_of=3)
    return {
        index
        for index, data in enumerate(actions_data)
        if (user_sees_secret or not data["secret"])
        and dt.date(2025, data["end_month"], 28) < TODAY
        and progress[index][0] not in (LineStatus.DONE, LineStatus.CANCELLED)
    }


def _expected(user_sees_secret, actions_data, lines_data, report_statuses, as_of, weighting):
    """Per axis key: (count, percent, late, counts by status, budget by status)."""
    progress = _progress(actions_data, lines_data, report_statuses, as_of)
    axis_of = {0: "A1", 1: "A1", 2: "A2"}
    groups: dict[str, dict] = {}
    for index, data in enumerate(actions_data):
        if data["secret"] and not user_sees_secret:
            continue
        group = groups.setdefault(
            axis_of[data["objective"]],
            {
                "count": 0,
                "num": Decimal(0),
                "den": Decimal(0),
                "late": 0,
                "counts": {},
                "budget": {},
            },
        )
        status, percent = progress[index]
        group["count"] += 1
        group["counts"][status] = group["counts"].get(status, 0) + 1
        if data["budget"] is not None:
            group["budget"][status] = group["budget"].get(status, Decimal(0)) + data["budget"]
        end = dt.date(2025, data["end_month"], 28)
        if end < TODAY and status not in (LineStatus.DONE, LineStatus.CANCELLED):
            group["late"] += 1
        if status == LineStatus.CANCELLED:
            continue
        if weighting == Weighting.BUDGET:
            if data["budget"] is None:
                continue
            group["num"] += Decimal(percent) * data["budget"]
            group["den"] += data["budget"]
        else:
            group["num"] += percent
            group["den"] += 1
    return {
        key: {
            "count": g["count"],
            "percent": _round(g["num"] / g["den"]) if g["den"] else None,
            "late": g["late"],
            "counts": g["counts"],
            "budget": g["budget"],
        }
        for key, g in groups.items()
    }


def _first_lines_only(lines_data):
    seen = set()
    kept = []
    for line in lines_data:
        key = (line["action"], line["state"], line["period"])
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions_data=st.lists(action_strategy, min_size=1, max_size=12),
    lines_data=st.lists(line_strategy, max_size=40),
    report_statuses=report_status_strategy,
    as_of=st.integers(0, 3),
    weighting=st.sampled_from(Weighting.values),
    sees_secret=st.booleans(),
)
def test_roll_up_by_axis_equals_a_python_computation_over_the_raw_rows(
    monitored,
    aes,
    secretariat,
    expert_mli,
    actions_data,
    lines_data,
    report_statuses,
    as_of,
    weighting,
    sees_secret,
):
    lines_data = [
        line for line in _first_lines_only(lines_data) if line["action"] < len(actions_data)
    ]
    with transaction.atomic():
        actions = _build(monitored, aes, actions_data, lines_data, report_statuses)
        MonitoringSettings.objects.update_or_create(
            plan=monitored.plan, defaults={"weighting": weighting}
        )
        user = secretariat if sees_secret else expert_mli
        # The lists of late actions (dashboard, digests, API) filter on the same rule.
        expected_late = {
            actions[index].pk
            for index in _expected_late(sees_secret, actions_data, lines_data, report_statuses)
        }
        late = late_actions_for_user(user=user, plan=monitored.plan, today=TODAY)
        assert {action.pk for action in late} == expected_late
        shown = late_actions_summary_for_user(user=user, plan=monitored.plan, today=TODAY, limit=2)
        assert shown.total == len(expected_late)
        assert len(shown.items) == min(2, len(expected_late))
        assert {action.pk for action in shown.items} <= expected_late
        ends = sorted(action.end_date for action in late)
        assert [action.end_date for action in shown.items] == ends[: len(shown.items)]
        # The dashboard's path: every dimension from the same grouped aggregates.
        merged = rollups_for_user(
            user=user,
            plan=monitored.plan,
            dimensions=("plan", "axis", "lead_state", "partner_state"),
            as_of=monitored.periods[as_of],
            today=TODAY,
        )
        rollup = merged["axis"]
        for dimension in ("plan", "axis", "lead_state", "partner_state"):
            assert merged[dimension] == rollup_for_user(
                user=user,
                plan=monitored.plan,
                dimension=dimension,
                as_of=monitored.periods[as_of],
                today=TODAY,
            )
        for dimension in ("plan", "lead_state"):  # the same actions, grouped otherwise
            rows = merged[dimension].rows
            assert sum(row.actions for row in rows) == sum(row.actions for row in rollup.rows)
            assert sum(row.late for row in rows) == sum(row.late for row in rollup.rows)
        expected = _expected(
            sees_secret, actions_data, lines_data, report_statuses, as_of, weighting
        )
        got = {
            row.code: {
                "count": row.actions,
                "percent": row.percent_complete,
                "late": row.late,
                "counts": row.counts,
                "budget": row.budget_by_status,
            }
            for row in rollup.rows
        }
        assert got == expected
        hidden = sum(1 for data in actions_data if data["secret"] and not sees_secret)
        assert rollup.withheld == hidden
        transaction.set_rollback(True)


def test_the_late_lists_follow_the_latest_accepted_line_of_the_lead_state(
    monitored, aes, secretariat, expert_mli
):
    def action(end_month, *, secret=False):
        return {
            "objective": 0,
            "lead": 0,
            "partners": {1},
            "budget": None,
            "end_month": end_month,
            "secret": secret,
        }

    def line(index, period, status, state=0):
        return {"action": index, "state": state, "period": period, "status": status, "percent": 40}

    actions_data = [
        action(3),  # 0: done in its latest accepted line: not late
        action(3),  # 1: cancelled: not late
        action(3),  # 2: done once, on track since: late
        action(3),  # 3: never reported: late
        action(12),  # 4: at risk but not ended: not late
        action(3),  # 5: only a partner says done: late
        action(3),  # 6: done in a report not accepted: late
        action(3, secret=True),  # 7: late, seen by the secretariat only
    ]
    lines_data = [
        line(0, 0, LineStatus.LATE),
        line(0, 1, LineStatus.DONE),
        line(1, 1, LineStatus.CANCELLED),
        line(2, 0, LineStatus.DONE),
        line(2, 1, LineStatus.ON_TRACK),
        line(4, 1, LineStatus.AT_RISK),
        line(5, 1, LineStatus.DONE, state=1),
        line(6, 1, LineStatus.ON_TRACK),
        line(6, 2, LineStatus.DONE),
        line(7, 1, LineStatus.AT_RISK),
    ]
    report_statuses = [ReportStatus.ACCEPTED] * 12
    report_statuses[2 * 3 + 0] = ReportStatus.SUBMITTED
    actions = _build(monitored, aes, actions_data, lines_data, report_statuses)
    for user, expected in ((secretariat, {2, 3, 5, 6, 7}), (expert_mli, {2, 3, 5, 6})):
        assert _expected_late(user == secretariat, actions_data, lines_data, report_statuses) == (
            expected
        )
        late = late_actions_for_user(user=user, plan=monitored.plan, today=TODAY)
        assert {action.pk for action in late} == {actions[index].pk for index in expected}
        shown = late_actions_summary_for_user(user=user, plan=monitored.plan, today=TODAY, limit=2)
        assert shown.total == len(expected)
        assert {action.pk for action in shown.items} <= {actions[index].pk for index in expected}
        assert len(shown.items) == 2


def test_roll_ups_by_state_count_lead_and_partners(monitored, aes, secretariat):
    small = monitored.small
    report = services.report_open(period=monitored.q1, member_state=aes.mali, actor=secretariat)
    report = services.report_save(
        report=report,
        actor=secretariat,
        lock_version=1,
        lines=[services.LineInput(action=small.action_np, status="on_track", percent_complete=40)],
    )
    report = services.report_submit(report=report, actor=secretariat, lock_version=2)
    services.report_review(report=report, actor=secretariat, lock_version=3, accept=True)
    by_lead = rollup_for_user(
        user=secretariat, plan=monitored.plan, dimension="lead_state", today=TODAY
    )
    mali = next(row for row in by_lead.rows if row.code == "MLI")
    assert (mali.actions, mali.percent_complete, mali.counts) == (
        1,
        Decimal("40.0"),
        {"on_track": 1},
    )
    by_partner = rollup_for_user(
        user=secretariat, plan=monitored.plan, dimension="partner_state", today=TODAY
    )
    assert sorted(row.code for row in by_partner.rows) == ["BFA", "NER"]
    plan_row = rollup_for_user(user=secretariat, plan=monitored.plan, dimension="plan").rows[0]
    assert plan_row.actions == 3
    assert plan_row.not_reported == 2


def test_a_roll_up_says_how_it_was_computed_and_what_was_withheld(monitored, expert_mli):
    rollup = rollup_for_user(user=expert_mli, plan=monitored.plan, dimension="plan", today=TODAY)
    assert rollup.withheld == 1  # the confidential action
    text = " ".join(rollup.explanation)
    assert "rapports acceptés" in text
    assert "1 action que vous ne pouvez pas voir" in text


def test_roll_up_query_count_does_not_grow_with_reports(
    monitored, aes, secretariat, django_assert_num_queries
):
    for dimension in ("axis", "partner_state"):
        with django_assert_num_queries(4):  # settings, grouped figures, two counts
            rollup_for_user(user=secretariat, plan=monitored.plan, dimension=dimension)
    with django_assert_num_queries(5):  # the dashboard's four dimensions: one more grouping
        rollups_for_user(
            user=secretariat,
            plan=monitored.plan,
            dimensions=("plan", "axis", "lead_state", "partner_state"),
        )
    _build(
        monitored,
        aes,
        [
            {
                "objective": n % 3,
                "lead": n % 3,
                "partners": {0, 1, 2},
                "budget": n,
                "end_month": 6,
                "secret": False,
            }
            for n in range(12)
        ],
        [
            {"action": n, "state": n % 3, "period": p, "status": "on_track", "percent": 50}
            for n in range(12)
            for p in range(4)
        ],
        [ReportStatus.ACCEPTED] * 12,
    )
    for dimension in ("axis", "partner_state"):
        with django_assert_num_queries(4):  # settings, grouped figures, two counts
            rollup_for_user(user=secretariat, plan=monitored.plan, dimension=dimension)
    with django_assert_num_queries(5):  # the dashboard's four dimensions: one more grouping
        rollups_for_user(
            user=secretariat,
            plan=monitored.plan,
            dimensions=("plan", "axis", "lead_state", "partner_state"),
        )


def _value(report, action, indicator, value):
    line, _created = ProgressLine.objects.get_or_create(
        report=report, action=action, defaults={"status": "on_track", "percent_complete": 10}
    )
    IndicatorValue.objects.create(line=line, indicator=indicator, value=value)


def test_indicator_achievement_respects_cumulation_direction_and_tolerance(
    monitored, aes, secretariat
):
    small = monitored.small
    count = Indicator.objects.create(
        plan=monitored.plan,
        action=small.action_np,
        code="I9",
        position=9,
        name="Officiers formés",
        measure=Measure.NUMBER,
        target_value=Decimal("100"),
        tolerance=Decimal("10"),
    )
    reports = {
        (p, s.code): ProgressReport.objects.create(
            period=monitored.periods[p], member_state=s, status=ReportStatus.ACCEPTED
        )
        for p in range(2)
        for s in aes.states
    }
    draft = ProgressReport.objects.create(
        period=monitored.periods[2], member_state=aes.mali, status=ReportStatus.DRAFT
    )
    # number, cumulative, summed over states: 20 + 25 + 30 + 17 = 92 → within 10 % of 100
    _value(reports[(0, "MLI")], small.action_np, count, Decimal(20))
    _value(reports[(0, "BFA")], small.action_np, count, Decimal(25))
    _value(reports[(1, "MLI")], small.action_np, count, Decimal(30))
    _value(reports[(1, "NER")], small.action_np, count, Decimal(17))
    _value(draft, small.action_np, count, Decimal(1000))  # not accepted: not counted
    # percentage: never summed; the latest per state, then the mean: (60 + 40) / 2 = 50
    _value(reports[(0, "MLI")], small.action_np, small.indicator, Decimal(10))
    _value(reports[(1, "MLI")], small.action_np, small.indicator, Decimal(60))
    _value(reports[(1, "BFA")], small.action_np, small.indicator, Decimal(40))
    IndicatorTarget.objects.create(period=monitored.q2, indicator=small.indicator, value=50)
    results = {
        a.indicator.code: a
        for a in indicator_achievements_for_user(
            user=secretariat, plan=monitored.plan, as_of=monitored.q2
        )
    }
    assert results["I9"].actual == Decimal("92")
    assert results["I9"].status == "on_track"
    assert results["I9"].by_state == {"BFA": 25, "MLI": 50, "NER": 17}
    percentage = results[small.indicator.code]
    assert percentage.actual == Decimal("50")
    assert percentage.target == Decimal("50")
    assert percentage.status == "met"
    as_of_q1 = {
        a.indicator.code: a
        for a in indicator_achievements_for_user(
            user=secretariat, plan=monitored.plan, as_of=monitored.q1
        )
    }
    assert as_of_q1["I9"].actual == Decimal("45")
    assert as_of_q1["I9"].status == "off_track"
