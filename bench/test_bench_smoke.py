"""The benchmark scripts keep working (no timing is asserted: figures live in docs/benchmarks.md).

The generator is checked in the test database: its rows are what the services would store.
The whole script then runs once in ``--quick`` mode on tiny plans, in its own throw-away
home and SQLite database, throughput included when wrk is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.generate import bench_context, check_plan, generate_plan, generate_with_versions
from liptako.plans import selectors
from liptako.plans.models import Action, Indicator, Milestone

RUN = Path(__file__).resolve().parent / "run.py"


def test_generated_plan_is_what_the_services_would_store(markings) -> None:
    context = bench_context()
    generated = generate_plan(context=context, actions=25, indicators_per_action=3)
    plan = generated.plan
    assert Action.objects.filter(plan=plan).count() == 25
    assert Indicator.objects.filter(plan=plan).count() == 75
    assert Milestone.objects.filter(plan=plan).count() == generated.milestones
    # Positions, codes and search text as the services compute them; every row valid.
    assert check_plan(plan) == 0
    codes = set(Action.objects.filter(plan=plan).values_list("classification__code", flat=True))
    assert codes >= {"NP"}
    tree = selectors.plan_tree_for_user(user=context.secretariat, plan=plan)
    assert len(tree.actions) == 25
    assert not any(entry.is_redacted for entry in tree.actions)


def test_second_version_differs_from_the_first(markings) -> None:
    context = bench_context()
    generated = generate_with_versions(context=context, actions=30, indicators_per_action=2)
    first, second = generated.versions
    assert (first.number, second.number) == (1, 2)
    diff = selectors.plan_diff_for_user(
        user=context.secretariat, plan=generated.plan, old=first, new=second
    )
    assert diff.added
    assert diff.removed
    assert diff.moved
    assert diff.changed
    assert check_plan(generated.plan) == 0


def test_quick_run_measures_every_figure(tmp_path: Path) -> None:
    result = tmp_path / "results.json"
    doc = tmp_path / "benchmarks.md"
    completed = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(result), "--doc", str(doc)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    backend = json.loads(result.read_text())["backends"][0]
    missing = [note for note in backend["notes"] if "not measured" in note]
    if not shutil.which("wrk"):
        missing = [note for note in missing if not note.startswith("throughput:")]
    assert missing == []
    times = backend["times"]
    for key in ("outline", "api_tree", "freeze", "diff", "xlsx_round_trip"):
        assert times[key]["median_ms"] > 0, key
    if shutil.which("wrk"):
        throughput = backend["throughput"]
        for key in ("floor", "api_list", "html_list", "roadmap"):
            assert throughput[key]["requests_per_s"] > 0, key
            assert throughput[key]["non_2xx"] == 0, key
        assert throughput["api_list"]["rows"] == 5
    text = doc.read_text()
    assert "## Plans (issue 3)" in text
    assert "| Outline page" in text
