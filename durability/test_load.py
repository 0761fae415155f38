"""The short load run of ``make test-long``: 50 people for a minute, almost no error.

Runs ``bench/load.py`` (locust against ``liptako serve``) on the suite's database (SQLite, or
PostgreSQL when ``DATABASE_URL`` says so) and asserts the error rate only (< 0.1 %) and that
SQLite never answered "database is locked"; response times are figures for
docs/benchmarks.md (the five-minute run), never assertions. ``LIPTAKO_LONG_SCALE`` scales the
duration (60 s at 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from durability.conftest import long_scale
from durability.instances import suite_database_url

pytestmark = pytest.mark.long

ROOT = Path(__file__).resolve().parent.parent


def test_fifty_people_reading_and_writing_get_almost_no_error(tmp_path: Path) -> None:
    seconds = max(15, round(60 * long_scale()))
    output = tmp_path / "load.json"
    database = "postgresql" if suite_database_url() else "sqlite"
    environment = dict(os.environ)
    if database == "postgresql":
        environment["LIPTAKO_LOAD_DATABASE_URL"] = suite_database_url() + "_load"  # type: ignore[operator]
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--seconds",
            str(seconds),
            "--database",
            database,
            "--json",
            str(output),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=seconds + 900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    print(result.stdout)
    figures = json.loads(output.read_text(encoding="utf-8"))[0]
    assert figures["requests"] > 0
    assert figures["writes"] > 0
    explained = (figures["failure_kinds"], figures["server_tracebacks"])
    assert figures["error_rate"] < 0.001, explained
    assert figures["database_locked"] == 0
    assert figures["server_errors_logged"] == 0, explained
