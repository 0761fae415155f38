"""Load test (issue 7): 50 simulated people reading and writing at once, with locust.

    python bench/load.py                       # SQLite then PostgreSQL, 5 minutes each, doc
    python bench/load.py --seconds 60 --database sqlite --json out.json   # short, no doc

For each database: a throw-away instance (its own LIPTAKO_HOME; on PostgreSQL its own
database on 127.0.0.1:5432), migrated, the demo loaded, ``durability/seed.py`` run (a draft
working plan, API tokens), served by ``liptako serve`` (gunicorn, 4 workers). Locust then runs
USERS people, each a demo account: the first person of an account logs it in through the login
page (password, then the TOTP code, decision 0150) and the others share that session, as tabs
of one browser do. They mix what people do: home page, plan outline, monitoring dashboard,
meetings (pages and API), the plan through the API, and writes of every kind: comments,
action edits (optimistic locking), progress report drafts, meetings planned, plan freezes.
A 409 (someone else saved first) is the right answer to a concurrent edit and counts as a
success; any other 4xx/5xx or no answer is an error.
Figures (throughput, p50/p95/p99, error rate) are printed, written as JSON with ``--json``,
and, for a full run of both databases, between the ``bench:load`` markers of
docs/benchmarks.md. The server log is searched for "database is locked".
"""

from __future__ import annotations

# locust patches the standard library (gevent) first.
from locust import HttpUser, between, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.lock import Semaphore

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from durability.instances import Instance, Server  # noqa: E402
from durability.login import demo_accounts, log_in  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:load:begin (written by bench/load.py: do not edit by hand) -->"
END = "<!-- bench:load:end -->"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/liptako_load"
USERS = 50
SECONDS = 300
WORKERS = 4
#: Demo accounts the simulated people log in as (several people share one account).
PERSONAS = (
    "secretariat",
    "expert.mli",
    "validateur.bfa",
    "pointfocal.mli",
    "pointfocal.bfa",
    "pointfocal.ner",
    "observateur.ner",
)

SETUP: dict[str, Any] = {}
#: The session cookies of each account, logged in once (first person of that account).
SESSIONS: dict[str, dict[str, str]] = {}
LOGIN_LOCKS: dict[str, Semaphore] = {}


def _ok_or_conflict(response: Any) -> None:
    if response.status_code in (200, 201, 204, 302, 409):
        response.success()
    else:
        response.failure(f"{response.status_code}: {response.text[:200]}")


class Person(HttpUser):
    """One person of the alliance at work; the persona decides what they may write."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.username = random.choice(PERSONAS)
        self.api = {"Authorization": f"Bearer {SETUP['tokens'][self.username]}"}
        self.secretariat = {"Authorization": f"Bearer {SETUP['tokens']['secretariat']}"}
        # One log-in per account, its session shared by the people of that account (tabs of
        # one browser): a TOTP step is accepted once per account, fifty log-ins would fight.
        with LOGIN_LOCKS.setdefault(self.username, Semaphore()):
            if self.username not in SESSIONS:
                log_in(self.client, str(self.host), SETUP["accounts"][self.username], name="log in")
                SESSIONS[self.username] = {
                    cookie.name: cookie.value or "" for cookie in self.client.cookies
                }
        for name, value in SESSIONS[self.username].items():
            self.client.cookies.set(name, value)

    # -- reads ---------------------------------------------------------------------------
    @task(2)
    def home(self) -> None:
        self.client.get("/", name="home page")

    @task(4)
    def outline(self) -> None:
        self.client.get(f"/plans/{SETUP['demo_plan']}/", name="plan outline page")

    @task(3)
    def dashboard(self) -> None:
        self.client.get(f"/suivi/plans/{SETUP['demo_plan']}/", name="monitoring dashboard page")

    @task(1)
    def meetings(self) -> None:
        self.client.get("/reunions/", name="meetings page")

    @task(2)
    def api_plan(self) -> None:
        self.client.get(f"/api/v1/plans/{SETUP['demo_plan']}", headers=self.api, name="API plan")

    @task(2)
    def api_actions(self) -> None:
        self.client.get(
            f"/api/v1/plans/{SETUP['demo_plan']}/actions?q=a",
            headers=self.api,
            name="API actions search",
        )

    @task(2)
    def api_dashboard(self) -> None:
        self.client.get(
            f"/api/v1/monitoring/plans/{SETUP['demo_plan']}/dashboard",
            headers=self.api,
            name="API dashboard",
        )

    @task(1)
    def api_meetings(self) -> None:
        self.client.get("/api/v1/meetings", headers=self.api, name="API meetings")

    # -- writes --------------------------------------------------------------------------
    @task(2)
    def comment(self) -> None:
        plan = SETUP["plan"]
        with self.client.post(
            f"/api/v1/plans/{plan}/items/{random.choice(SETUP['work_actions'])}/comments",
            json={"body": f"Remarque de charge {random.randint(1, 10**9)}"},
            headers=self.secretariat,
            name="API comment (write)",
            catch_response=True,
        ) as response:
            _ok_or_conflict(response)

    @task(2)
    def edit_action(self) -> None:
        plan, action = SETUP["plan"], random.choice(SETUP["work_actions"])
        current = self.client.get(
            f"/api/v1/plans/{plan}/actions/{action}", headers=self.secretariat, name="API action"
        )
        if current.status_code != 200:
            return
        with self.client.patch(
            f"/api/v1/plans/{plan}/actions/{action}",
            json={
                "lock_version": current.json()["lock_version"],
                "description": f"Révision {random.randint(1, 10**9)}",
            },
            headers=self.secretariat,
            name="API action edit (write)",
            catch_response=True,
        ) as response:
            _ok_or_conflict(response)

    @task(1)
    def report_draft(self) -> None:
        code = random.choice(sorted(SETUP["reports"]))
        focal_point = {"Authorization": f"Bearer {SETUP['tokens'][f'pointfocal.{code.lower()}']}"}
        lines = [
            {
                "action": action,
                "status": "on_track",
                "percent_complete": random.randint(0, 100),
                "narrative": "Avancement conforme au calendrier.",
            }
            for action in SETUP["reports"][code][:5]
        ]
        with self.client.put(
            f"/api/v1/monitoring/periods/{SETUP['period']}/reports/{code}",
            json={"lines": lines, "submit": False},
            headers=focal_point,
            name="API report draft (write)",
            catch_response=True,
        ) as response:
            _ok_or_conflict(response)

    @task(1)
    def plan_meeting(self) -> None:
        start = dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(
            days=random.randint(0, 300)
        )
        with self.client.post(
            "/api/v1/meetings",
            json={
                "title": "Atelier de charge",
                "kind": "expert_workshop",
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
                "city": "Niamey",
            },
            headers=self.secretariat,
            name="API meeting (write)",
            catch_response=True,
        ) as response:
            _ok_or_conflict(response)

    @task(1)
    def freeze(self) -> None:
        with self.client.post(
            f"/api/v1/plans/{SETUP['plan']}/versions",
            json={"note": "Gel de charge"},
            headers=self.secretariat,
            name="API freeze (write)",
            catch_response=True,
        ) as response:
            _ok_or_conflict(response)


def _tracebacks(log: str, keep: int = 3) -> list[str]:
    """The first ``keep`` distinct tracebacks of the server log (their last 1,500 characters)."""
    found: list[str] = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = []
        for line in block.splitlines()[1:]:
            lines.append(line)
            if line and not line.startswith((" ", "\t")) and not line.startswith("During"):
                break  # the exception line closes the traceback
        text = "\n".join(lines)[-1500:]
        if text not in found:
            found.append(text)
        if len(found) == keep:
            break
    return found


def run_database(database: str, seconds: int, users: int) -> dict[str, Any]:
    """Prepare, serve and load one database; its figures."""
    if database == "postgresql":
        os.environ["DATABASE_URL"] = os.environ.get("LIPTAKO_LOAD_DATABASE_URL", POSTGRES_URL)
    else:
        os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix=f"liptako-load-{database}-") as scratch:
        home = Path(scratch) / "home"
        instance = Instance.create("load", home)
        try:
            instance.must("migrate", "--no-input", "-v", "0")
            instance.must("demo")
            instance.script(ROOT / "durability" / "seed.py", "0", str(home / "seed.json"))
            SETUP.clear()
            SETUP.update(json.loads((home / "seed.json").read_text(encoding="utf-8")))
            SETUP["accounts"] = demo_accounts(home)
            SESSIONS.clear()
            server = Server(instance, workers=WORKERS, preload=False)
            server.start()
            try:
                figures = _locust(server.base_url, seconds, users)
            finally:
                server.stop()
            log = server.log_path.read_text(encoding="utf-8", errors="replace")
            figures["database_locked"] = log.count("database is locked")
            figures["server_errors_logged"] = len(re.findall(r'" 5\d\d ', log))
            # The server's own account of its errors, for whoever reads a failed run.
            figures["server_tracebacks"] = _tracebacks(log)
        finally:
            instance.drop()
    figures["database"] = database
    return figures


def _locust(base_url: str, seconds: int, users: int) -> dict[str, Any]:
    environment = Environment(user_classes=[Person], host=base_url, events=events)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(1, users // 10))
    # Ramp-up, not measured: every person started (and logged in), then a few seconds more.
    deadline = time.monotonic() + 300
    while runner.user_count < users and time.monotonic() < deadline:
        gevent.sleep(0.5)
    gevent.sleep(5)
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    runner.quit()
    total = environment.stats.total
    writes = sum(
        entry.num_requests
        for (name, _method), entry in environment.stats.entries.items()
        if "(write)" in name
    )
    failures = {
        f"{error.method} {error.name}: {error.error}"[:300]: error.occurrences
        for error in environment.stats.errors.values()
    }
    return {
        "users": users,
        "seconds": round(elapsed),
        "requests": total.num_requests,
        "writes": writes,
        "failures": total.num_failures,
        "error_rate": total.num_failures / total.num_requests if total.num_requests else 1.0,
        "throughput": total.num_requests / elapsed,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "failure_kinds": failures,
    }


def _table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| database | users | duration | requests (writes) | throughput | p50 | p95 | p99 "
        '| errors | "database is locked" |',
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        rows.append(
            f"| {result['database']} | {result['users']} | {result['seconds']} s "
            f"| {result['requests']} ({result['writes']}) | {result['throughput']:.1f} req/s "
            f"| {result['p50']:.0f} ms | {result['p95']:.0f} ms | {result['p99']:.0f} ms "
            f"| {result['failures']} ({result['error_rate']:.3%}) | {result['database_locked']} |"
        )
    return "\n".join(rows)


def write_doc(results: list[dict[str, Any]]) -> None:
    load = os.getloadavg()
    section = "\n".join(
        [
            BEGIN,
            f"Measured {dt.date.today().isoformat()} on {platform.node() or 'this machine'} "
            f"({os.cpu_count()} cores, load average {load[0]:.1f} at the end, shared with "
            f"other work), `liptako serve` with {WORKERS} gunicorn workers, locust on the same "
            "machine. Goal: < 0.1 % errors, p95 < 800 ms.",
            "",
            _table(results),
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8")
    if BEGIN in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END)
        text = text[:start] + section + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n## Load (issue 7)\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql", "both"], default="both", help="backend"
    )
    parser.add_argument("--json", type=Path, help="write the figures there")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    arguments = parser.parse_args()
    databases = ["sqlite", "postgresql"] if arguments.database == "both" else [arguments.database]
    results = [run_database(name, arguments.seconds, arguments.users) for name in databases]
    print(_table(results))
    for result in results:
        for failure, count in result["failure_kinds"].items():
            print(f"{result['database']}: {count} times {failure}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if arguments.database == "both" and not arguments.no_doc:
        write_doc(results)


if __name__ == "__main__":
    main()
