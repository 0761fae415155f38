"""Benchmarks of monitoring (issue 6): dashboards, roll-up API and quarterly report.

    python bench/monitoring.py               # SQLite, full size, writes docs/benchmarks.md
    python bench/monitoring.py --postgres    # SQLite, then PostgreSQL on 127.0.0.1:5432
    python bench/monitoring.py --quick       # tiny plan, few runs, doc untouched (smoke test)

Each database runs in a child process with a throw-away ``LIPTAKO_HOME`` (and, for PostgreSQL,
a throw-away database dropped at the end): migrate, generate a plan of 1,000 actions with
bench/generate.py, then its monitoring with :func:`generate_monitoring` (8 quarterly periods
x 3 member states = 24 reports, one progress line per action in each: 24,000 lines, and a
value for each of the action's 3 indicators: 72,000 values), on PostgreSQL ``ANALYZE`` (as
autovacuum would), then time, in-process as the secretariat (Django's test client: the whole
request, middleware and templates included, a warm-up run then N runs: median and p95), the
plan dashboard, a member state's dashboard, the roll-up API and the quarterly report (PDF and
DOCX) of the last period. The number of SQL queries of each request is recorded too. The
parent writes the section between the ``bench:monitoring`` markers of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import BenchContext, bench_context, generate_plan  # noqa: E402
from bench.generate import setup_django as _setup_django  # noqa: E402
from bench.run import (  # noqa: E402
    POSTGRES_SERVER,
    _client,
    create_postgres_database,
    database_versions,
    drop_postgres_database,
    machine,
    progress,
    summary,
    timed,
    verdict,
    with_cpu,
)

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:monitoring:begin (written by bench/monitoring.py: do not edit by hand) -->"
END = "<!-- bench:monitoring:end -->"
STATES = 3
INDICATORS_PER_ACTION = 3


@dataclass(frozen=True)
class Sizes:
    actions: int
    periods: int
    runs: dict[str, int]


FULL = Sizes(
    actions=1000,
    periods=8,
    runs={"dashboard": 20, "state_dashboard": 20, "rollup_api": 20, "pdf": 3, "docx": 3},
)
QUICK = Sizes(
    actions=12,
    periods=2,
    runs={"dashboard": 2, "state_dashboard": 2, "rollup_api": 2, "pdf": 1, "docx": 1},
)
GOALS_MS = {"dashboard": 300.0, "state_dashboard": 300.0, "pdf": 20000.0}
LABELS = {
    "dashboard": "Plan dashboard (HTML page)",
    "state_dashboard": "Member-state dashboard (HTML page)",
    "rollup_api": "Roll-up API, by axis (JSON)",
    "pdf": "Quarterly report, PDF",
    "docx": "Quarterly report, DOCX",
}


# --- Generator -------------------------------------------------------------------------------


@dataclass
class GeneratedMonitoring:
    plan: Any
    periods: list[Any]
    reports: int
    lines: int
    values: int


# Status of a line, by weight: mostly on track, some at risk or late, a few done or cancelled.
STATUS_WEIGHTS = {
    "not_started": 8,
    "on_track": 50,
    "at_risk": 15,
    "late": 12,
    "done": 12,
    "cancelled": 3,
}


def generate_monitoring(
    *, context: BenchContext, actions: int = 1000, periods: int = 8, seed: int = 6
) -> GeneratedMonitoring:
    """A plan of ``actions`` actions in implementation, with ``periods`` quarters reported by
    every member state (one line per action in each report, a value per indicator).

    The plan goes through bench/generate.py; its span is stretched to hold the quarters and
    every state is made a partner of the actions it does not lead (so that each report may
    hold a line for every action, as the services require). Reports, lines and values are
    written with ``bulk_create``: the last period's report of the last state is submitted and
    not yet reviewed (it must not count), every other one is accepted.
    """
    from django.db import transaction
    from django.utils import timezone

    from liptako.audit.services import audit_record
    from liptako.monitoring.models import (
        IndicatorValue,
        ProgressLine,
        ProgressReport,
        ReportingPeriod,
        ReportStatus,
    )
    from liptako.monitoring.services import period_generate
    from liptako.plans.models import Action, Indicator, Plan, PlanStatus

    rng = random.Random(seed)
    plan = generate_plan(
        context=context,
        actions=actions,
        indicators_per_action=INDICATORS_PER_ACTION,
        title=f"Plan suivi {actions} actions",
        seed=seed,
    ).plan
    states = context.states[:STATES]
    with transaction.atomic():
        years = (periods + 3) // 4
        Plan.objects.filter(pk=plan.pk).update(
            status=PlanStatus.IN_IMPLEMENTATION,
            period_end=dt.date(plan.period_start.year + years - 1, 12, 31),
        )
        plan.refresh_from_db()
        action_rows = list(Action.objects.filter(plan=plan).values_list("pk", "lead_state_id"))
        through = Action.partner_states.through
        through.objects.bulk_create(
            [
                through(action_id=action_id, memberstate_id=state.pk)
                for action_id, lead_id in action_rows
                for state in states
                if state.pk != lead_id
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        period_generate(plan=plan, actor=context.secretariat)
        chosen = list(ReportingPeriod.objects.filter(plan=plan).order_by("start")[:periods])
        indicators: dict[int, list[tuple[int, str]]] = {}
        for indicator_id, action_id, measure in Indicator.objects.filter(plan=plan).values_list(
            "pk", "action_id", "measure"
        ):
            indicators.setdefault(action_id, []).append((indicator_id, measure))
        now = timezone.now()
        reports = []
        for index, period in enumerate(chosen):
            for state in states:
                pending = index == len(chosen) - 1 and state == states[-1]
                reports.append(
                    ProgressReport(
                        period=period,
                        member_state=state,
                        status=ReportStatus.SUBMITTED if pending else ReportStatus.ACCEPTED,
                        submitted_at=now,
                        submitted_by=context.secretariat,
                        reviewed_at=None if pending else now,
                        reviewed_by=None if pending else context.secretariat,
                    )
                )
        reports = ProgressReport.objects.bulk_create(reports)
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        lines = []
        for report_index, report in enumerate(reports):
            quarter = report_index // len(states) + 1
            for action_id, _lead_id in action_rows:
                status = rng.choices(statuses, weights)[0]
                percent = 100 if status == "done" else min(95, quarter * rng.randrange(3, 13))
                lines.append(
                    ProgressLine(
                        report=report,
                        action_id=action_id,
                        status=status,
                        percent_complete=percent,
                        narrative="Activités conduites selon le calendrier convenu.",
                        difficulties="Retard d'approvisionnement en équipements"
                        if status in ("late", "at_risk")
                        else "",
                        next_steps="Poursuivre la mise en œuvre.",
                    )
                )
        lines = ProgressLine.objects.bulk_create(lines, batch_size=2000)
        values = []
        for line in lines:
            for indicator_id, measure in indicators.get(line.action_id, []):
                if measure == "qualitative":
                    values.append(
                        IndicatorValue(
                            line=line, indicator_id=indicator_id, text="Dispositif en place"
                        )
                    )
                    continue
                if measure == "yes_no":
                    number = Decimal(rng.randrange(0, 2))
                elif measure == "percentage":
                    number = Decimal(rng.randrange(0, 101))
                else:
                    number = Decimal(rng.randrange(0, 60))
                values.append(IndicatorValue(line=line, indicator_id=indicator_id, value=number))
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
        audit_record(
            actor=context.secretariat,
            verb="monitoring.generate",
            target=plan,
            payload={
                "plan": str(plan.uid),
                "periods": len(chosen),
                "reports": len(reports),
                "lines": len(lines),
                "values": len(values),
            },
        )
    return GeneratedMonitoring(
        plan=plan, periods=chosen, reports=len(reports), lines=len(lines), values=len(values)
    )


# --- Child process: one database -------------------------------------------------------------


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _warm_up(client: Any, url: str) -> tuple[int, int]:
    """One untimed request: its number of SQL queries and its size in bytes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        response = _get(client, url)
    return len(context.captured_queries), len(response.content)


def analyze_tables() -> bool:
    """Give PostgreSQL's planner the statistics of the generated rows (True if it ran).

    A real database gets them from autovacuum within a minute of such a bulk insertion (it
    analyzes a table once 50 rows plus 10 % of it have changed); the bench measures seconds
    after generating, and the shared server runs with autovacuum off. Without statistics
    the planner takes the 24,000 lines' tables for empty ones and chooses plans that made
    the dashboards 3 to 4 times slower (docs/decisions/0210-dashboard-queries-on-postgresql.md).
    SQLite keeps no statistics unless told to: it is measured as it runs in production.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return True


def measure(sizes: Sizes) -> dict[str, Any]:
    context = bench_context()
    started = time.perf_counter()
    generated = generate_monitoring(context=context, actions=sizes.actions, periods=sizes.periods)
    generate_s = round(time.perf_counter() - started, 1)
    results: dict[str, Any] = {
        "analyzed": analyze_tables(),
        "generate_s": generate_s,
        "rows": {
            "actions": sizes.actions,
            "periods": len(generated.periods),
            "reports": generated.reports,
            "lines": generated.lines,
            "values": generated.values,
        },
    }
    progress(f"generated {results['rows']} in {results['generate_s']} s")
    plan, last = generated.plan, generated.periods[-1]
    state = context.states[0].code
    urls = {
        "dashboard": f"/suivi/plans/{plan.uid}/?periode={last.uid}",
        "state_dashboard": f"/suivi/plans/{plan.uid}/etats/{state}/?periode={last.uid}",
        "rollup_api": f"/api/v1/monitoring/plans/{plan.uid}/rollups?dimension=axis"
        f"&period={last.uid}",
        "pdf": f"/suivi/periodes/{last.uid}/rapport-trimestriel.pdf",
        "docx": f"/suivi/periodes/{last.uid}/rapport-trimestriel.docx",
    }
    client = _client(context)
    times: dict[str, Any] = {}
    for key, url in urls.items():
        queries, size = _warm_up(client, url)
        cpu: list[float] = []
        samples = timed(lambda url=url: _get(client, url), sizes.runs[key], warmup=0, cpu=cpu)
        entry = with_cpu(summary(samples), cpu)
        entry["queries"] = queries
        entry["kb"] = round(size / 1024, 1)
        times[key] = entry
        progress(
            f"{key}: median {entry['median_ms']} ms (CPU {entry['cpu_median_ms']} ms), "
            f"{entry['queries']} queries"
        )
    results["times"] = times
    return results


def child(arguments: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    progress("migrated")
    results: dict[str, Any] = {
        "backend": arguments.backend,
        "versions": database_versions(),
        "load_before": os.getloadavg(),
    }
    results.update(measure(QUICK if arguments.quick else FULL))
    results["load_after"] = os.getloadavg()
    Path(arguments.result).write_text(json.dumps(results, indent=2, default=str))
    return 0


# --- Parent process --------------------------------------------------------------------------


def run_backend(backend: str, arguments: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"liptako-bench-monitoring-{backend}-"))
    database = f"liptako_bench_monitoring_{os.getpid()}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PAGE_SIZE"}
    }
    environment.update(
        {
            "LIPTAKO_HOME": str(home),
            "DJANGO_SETTINGS_MODULE": "liptako.settings",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")])),
        }
    )
    if backend == "postgresql":
        create_postgres_database(database)
        environment["DATABASE_URL"] = f"{POSTGRES_SERVER}/{database}"
    result_path = home / "result.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--backend", backend]
    command += ["--result", str(result_path), *(["--quick"] if arguments.quick else [])]
    try:
        print(f"[{backend}] measuring in {home}", flush=True)
        subprocess.run(command, env=environment, check=True)
        results: dict[str, Any] = json.loads(result_path.read_text())
    finally:
        if backend == "postgresql":
            drop_postgres_database(database)
        shutil.rmtree(home, ignore_errors=True)
    return results


def _row(key: str, entry: dict[str, Any]) -> str:
    goal = GOALS_MS.get(key)
    result = verdict(entry["median_ms"] <= goal) if goal is not None else "(no goal)"
    goal_text = f"≤ {goal:,.0f} ms median" if goal is not None else "—"
    return (
        f"| {LABELS[key]} | {entry['median_ms']:,.1f} | {entry['cpu_median_ms']:,.1f} | "
        f"{entry['p95_ms']:,.1f} | "
        f"{entry['runs']} | {entry['queries']} | {entry['kb']:,.1f} KB | {goal_text} | {result} |"
    )


def report(machine_info: dict[str, Any], backends: list[dict[str, Any]]) -> str:
    versions = backends[0]["versions"] if backends else {}
    lines = [
        BEGIN,
        "",
        f"Measured on {machine_info['date']} by `{machine_info['command']}`, commit "
        f"{machine_info['commit']}.",
        f"Machine: {machine_info['nproc']} CPUs ({machine_info['cpu']}), "
        f"{machine_info['ram_gb']} GB RAM, Linux {machine_info['kernel']}; load average "
        f"{machine_info['load_at_start'][0]:.2f} when the run started. Python "
        f"{versions.get('python', '?')}, Django {versions.get('django', '?')}.",
        "",
    ]
    for results in backends:
        rows = results["rows"]
        lines += [
            f"#### {results['versions']['database']}",
            "",
            f"Generated {rows['actions']:,} actions, {rows['periods']} periods, "
            f"{rows['reports']} reports, {rows['lines']:,} progress lines and "
            f"{rows['values']:,} indicator values in {results['generate_s']} s"
            f"{' (then ANALYZE)' if results.get('analyzed') else ''}. Load average "
            f"{results['load_before'][0]:.2f} before, {results['load_after'][0]:.2f} after.",
            "",
            "| request | median ms | CPU median ms | p95 ms | runs | SQL queries | size | goal "
            "| result |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|",
            *(_row(key, entry) for key, entry in results["times"].items()),
            "",
        ]
    lines.append(END)
    return "\n".join(lines)


SECTION_TITLE = "## Monitoring (issue 6)"


def write_doc(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        _old, after = rest.split(END, 1)
        path.write_text(before + section + after)
    else:
        path.write_text(f"{text.rstrip()}\n\n{SECTION_TITLE}\n\n{section}\n")


def parent(arguments: argparse.Namespace) -> int:
    machine_info = machine()
    machine_info["command"] = " ".join(["python bench/monitoring.py", *sys.argv[1:]]).strip()
    backends = ["sqlite", *(["postgresql"] if arguments.postgres else [])]
    results = [run_backend(backend, arguments) for backend in backends]
    section = report(machine_info, results)
    print(section)
    if arguments.json:
        Path(arguments.json).write_text(
            json.dumps({"machine": machine_info, "backends": results}, indent=2, default=str)
        )
    doc = arguments.doc or (None if arguments.quick else DOC)
    if doc:
        write_doc(Path(doc), section)
        print(f"Written to {doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks of monitoring (issue 6).")
    parser.add_argument("--quick", action="store_true", help="tiny plan, few runs, no doc")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--doc", help=f"Markdown file to update (default {DOC}, none if --quick)")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="sqlite", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        return child(arguments)
    return parent(arguments)


if __name__ == "__main__":
    sys.exit(main())
