"""Crash consistency: ``kill -9`` the server at random moments while it writes; nothing is lost.

A served copy of the seeded demo receives writes of every kind over HTTP (freezes, signed
approvals, progress reports submitted and returned, XLSX imports, comments) from five
threads, while this test kills the gunicorn worker processes with SIGKILL at random moments
(the master starts new ones) and, every ``GROUP_KILL_EVERY``-th time, the whole server (master
and workers), which it then starts again. Afterwards:

- the database passes its own integrity check (SQLite ``PRAGMA integrity_check`` and foreign
  keys; PostgreSQL ``amcheck`` on every index and every foreign key);
- ``liptako audit verify`` passes: no fork, no gap, every hash right;
- every acknowledged request (2xx/3xx received) is in the database;
- no operation is half done: every version has its freeze event and the reverse, every
  comment and signed decision its audit event, every version with the quorum of approvals is
  validated (once) and no other, every report's status agrees with its last audit event, the
  two actions changed by one import carry the same import number;
- no request got a server error (5xx) and SQLite never said "database is locked".

``LIPTAKO_LONG_SCALE`` (default 1) scales the number of kills: 100 per database at 1.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from durability.conftest import long_scale
from durability.instances import Instance, Server
from durability.workload import IMPORT_MARK, Workload

pytestmark = pytest.mark.long

HERE = Path(__file__).resolve().parent
KILLS = 100
GROUP_KILL_EVERY = 20


def _run_with_kills(
    server: Server, workload: Workload, kills: int, rng: random.Random
) -> dict[str, int]:
    writers = workload.writers()
    for writer in writers:
        writer.start()
    counts = {"worker": 0, "group": 0}
    waits = {"writes": 0.0, "restart": 0.0}
    try:
        for number in range(1, kills + 1):
            # Let some writes start (and finish) since the last kill, then strike at random.
            before = workload.ledger.acknowledged()
            deadline = time.monotonic() + 30
            mark = time.monotonic()
            while workload.ledger.acknowledged() == before and time.monotonic() < deadline:
                time.sleep(0.01)
            waits["writes"] += time.monotonic() - mark
            time.sleep(rng.uniform(0.0, 0.4))
            mark = time.monotonic()
            if number % GROUP_KILL_EVERY == 0:
                server.kill_all()
                counts["group"] += 1
                server.start()
            else:
                # No wait here: the master forks a new worker while the other one serves; the
                # wait for the next acknowledged write above proves the server writes again.
                server.kill_worker(rng)
                counts["worker"] += 1
            waits["restart"] += time.monotonic() - mark
            failures = [w for w in writers if w.failure is not None]
            assert not failures, f"{failures[0].name}: {failures[0].failure!r}"
        server.wait_until_healthy()
    finally:
        workload.stop.set()
        for writer in writers:
            writer.join(timeout=120)
    failures = [writer for writer in writers if writer.failure is not None]
    assert not failures, f"{failures[0].name}: {failures[0].failure!r}"
    print("crash-consistency: seconds waiting", {k: round(v, 1) for k, v in waits.items()})
    return counts


def _check(instance: Instance, workload: Workload, seed: dict[str, Any]) -> dict[str, Any]:
    ledger = workload.ledger
    facts = json.loads(instance.script(HERE / "facts.py", seed["plan"]))

    assert facts["integrity"] == []
    verify = instance.run("audit", "verify")
    assert verify.returncode == 0, verify.stderr + verify.stdout

    # Freezes: each acknowledged note is there; versions and freeze events match one to one.
    assert set(ledger.freezes) <= set(facts["version_notes"])
    assert facts["versions"] == facts["freeze_events"]
    assert facts["versions"] == list(range(1, len(facts["versions"]) + 1))

    # Comments: acknowledged ones present; none without its audit event.
    bodies = {comment["body"] for comment in facts["comments"]}
    assert set(ledger.comments) <= bodies
    assert all(comment["has_event"] for comment in facts["comments"])

    # Signatures: acknowledged approvals present, each with its event; quorum ⇔ validated.
    signed = {decision["statement"] for decision in facts["decisions"]}
    assert set(ledger.signatures) <= signed
    assert all(decision["has_event"] for decision in facts["decisions"])
    for state in facts["states"]:
        if state["status"] == "in_validation":
            assert state["approvals"] < 3, state
            assert state["validate_events"] == 0, state
        elif state["status"] == "validated":
            assert state["approvals"] == 3, state
            assert state["validate_events"] == 1, state

    # Reports: at least as many submit/return events as acknowledged; status agrees.
    events = Counter({(uid, kind): count for uid, kind, count in facts["report_events"]})
    for key, count in ledger.report_events.items():
        assert events[key] >= count, key
    for report in facts["reports"]:
        expected = {"submit": "submitted", "return": "returned", "accept": "accepted"}
        if report["last_event"] is not None:
            assert report["status"] == expected[report["last_event"]], report

    # Imports: both rows of one import are there or neither; the last acknowledged one stays.
    marks = {
        int(match.group(1))
        for title in facts["action_titles"]
        if (match := IMPORT_MARK.search(title))
    }
    numbered = [title for title in facts["action_titles"] if IMPORT_MARK.search(title)]
    if ledger.imports:
        assert len(marks) == 1, numbered
        assert len(numbered) == 2, numbered
        assert marks.pop() >= ledger.imports[-1]

    assert ledger.server_errors == []
    log = (instance.home / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert "database is locked" not in log
    return facts


def test_nothing_acknowledged_is_lost_and_nothing_is_half_done_across_kill_9(
    clone: tuple[Instance, dict[str, Any]],
) -> None:
    instance, seed = clone
    kills = max(5, round(KILLS * long_scale()))
    rng = random.Random(int(time.time()))
    started = time.monotonic()
    server = Server(instance, workers=2)
    server.start()
    print(f"crash-consistency: served in {time.monotonic() - started:.1f} s")
    workload = Workload(server.base_url, instance.home, seed)
    try:
        counts = _run_with_kills(server, workload, kills, rng)
    finally:
        server.stop()
    facts = _check(instance, workload, seed)
    ledger = workload.ledger
    summary = {
        "database": "postgresql" if instance.database else "sqlite",
        "kills": counts,
        "seconds": round(time.monotonic() - started),
        "acknowledged": {
            "freezes": len(ledger.freezes),
            "comments": len(ledger.comments),
            "signatures": len(ledger.signatures),
            "report submissions and returns": sum(ledger.report_events.values()),
            "imports": len(ledger.imports),
        },
        "unanswered": ledger.unanswered,
        "audit_events": facts["models"]["audit.AuditEvent"],
    }
    print("crash-consistency:", json.dumps(summary))
    # Every kind of write was exercised, not only the quick ones.
    assert all(count > 0 for count in summary["acknowledged"].values()), summary
