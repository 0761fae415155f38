"""Benchmarks of the meetings exports and calendar feed (issue 5), written to docs/benchmarks.md.

    python bench/meetings.py           # SQLite in a throw-away LIPTAKO_HOME, writes the doc
    python bench/meetings.py --quick   # small sizes, one run each, doc untouched (smoke test)
    python bench/meetings.py --quick --doc /tmp/benchmarks.md   # writes that file instead

Times, in process (wall clock and CPU time of the process, as the machine is shared):

- **minutes PDF / DOCX**: ``minutes_document_for_user`` then ``render_minutes_pdf`` /
  ``minutes_docx`` for a meeting of 40 agenda items with ~1,500 characters of Markdown each
  and 100 decisions (a long ministers' council), and for one of 6 items and 3 decisions (the
  demo's size);
- **communiqué PDF**: ``render_communique_pdf`` of that meeting's drafted communiqué;
- **feed**: the calendar feed view (token lookup, 1,000 visible meetings, ICS) through the test
  client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:meetings:begin (written by bench/meetings.py: do not edit by hand) -->"
END = "<!-- bench:meetings:end -->"

PARAGRAPH = (
    "Les délégations ont examiné le point avec **attention** et relevé les besoins en "
    "transmissions, en soutien sanitaire et en formation des unités engagées. "
)


def measure(call: Callable[[], Any], runs: int) -> dict[str, float]:
    call()  # warm-up: templates, fonts
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "runs": runs,
        "wall_s": round(statistics.median(walls), 3),
        "cpu_s": round(statistics.median(cpus), 3),
    }


def build_meeting(context: Any, *, items: int, decisions: int, title: str) -> Any:
    from liptako.meetings import services
    from liptako.meetings.models import DecisionKind, MeetingKind

    actor = context.secretariat
    start = dt.datetime(2025, 6, 11, 8, tzinfo=dt.UTC)
    meeting = services.meeting_create(
        actor=actor,
        alliance=context.alliance,
        title=title,
        kind=MeetingKind.MINISTERS_COUNCIL,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=9),
        city="Bamako",
    )
    for number in range(items):
        item = services.agenda_item_add(
            actor=actor, meeting=meeting, title=f"Point {number + 1}", is_publishable=True
        )
        body = "\n\n".join(PARAGRAPH * 2 for _ in range(4)) + "\n\n- un\n- deux\n- trois"
        services.minutes_section_save(actor=actor, meeting=meeting, agenda_item=item, body=body)
    for number in range(decisions):
        services.meeting_decision_take(
            actor=actor,
            meeting=meeting,
            kind=DecisionKind.DECIDED,
            text=f"Décision {number + 1} : " + PARAGRAPH,
            is_publishable=True,
            follow_up="Rendre compte au prochain conseil.",
        )
    for status in ("convened", "held"):
        services.meeting_transition(
            actor=actor, meeting=meeting, to_status=status, send_invitations=False
        )
    return meeting


def run(quick: bool) -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="liptako-bench-meetings-")
    os.environ["LIPTAKO_HOME"] = home
    os.environ.pop("DATABASE_URL", None)
    from bench.generate import bench_context, setup_django

    setup_django()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import translation
    from pypdf import PdfReader

    call_command("migrate", verbosity=0)
    from liptako.meetings import selectors, services
    from liptako.meetings.exports import minutes_docx
    from liptako.meetings.models import MeetingKind
    from liptako.meetings.pdf import render_communique_pdf, render_minutes_pdf

    context = bench_context()
    runs = 1 if quick else 3
    sizes = [(6, 3), (4, 4)] if quick else [(6, 3), (40, 100)]
    results: dict[str, Any] = {}
    translation.activate("fr")
    for items, decisions in sizes:
        title = f"Conseil {items} points, {decisions} décisions"
        meeting = build_meeting(context, items=items, decisions=decisions, title=title)
        label = f"{items} items, {decisions} decisions"

        def document(meeting: Any = meeting) -> Any:
            return selectors.minutes_document_for_user(user=context.secretariat, meeting=meeting)

        pdf = render_minutes_pdf(document())
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        results[f"minutes PDF ({label}, {pages} pages)"] = measure(
            lambda document=document: render_minutes_pdf(document()), runs
        )
        results[f"minutes DOCX ({label})"] = measure(
            lambda document=document: minutes_docx(document()), runs
        )
        communique = services.communique_generate(actor=context.secretariat, meeting=meeting)
        results[f"communiqué PDF ({label})"] = measure(
            lambda communique=communique: render_communique_pdf(communique, marking="NP"), runs
        )
    count = 20 if quick else 1000
    start = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    for number in range(count):
        services.meeting_create(
            actor=context.secretariat,
            alliance=context.alliance,
            title=f"Réunion {number}",
            kind=MeetingKind.OTHER,
            starts_at=start + dt.timedelta(days=number),
            ends_at=start + dt.timedelta(days=number, hours=4),
            city="Niamey",
        )
    token = services.calendar_feed_token_create(actor=context.secretariat)
    client = Client(HTTP_HOST="127.0.0.1")
    url = f"/reunions/calendrier/flux/{token}.ics"
    assert client.get(url).status_code == 200
    results[f"calendar feed ({count} meetings)"] = measure(lambda: client.get(url), runs)
    return results


def section(results: dict[str, Any]) -> str:
    import platform

    lines = [
        BEGIN,
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.machine()}, {os.cpu_count()} cores (shared), SQLite, median of the runs.",
        "",
        "| measure | runs | wall (s) | CPU (s) |",
        "|---|---|---|---|",
    ]
    for name, entry in results.items():
        lines.append(f"| {name} | {entry['runs']} | {entry['wall_s']} | {entry['cpu_s']} |")
    lines += ["", END]
    return "\n".join(lines)


def write_doc(path: Path, text: str) -> None:
    doc = path.read_text()
    if BEGIN in doc and END in doc:
        before, rest = doc.split(BEGIN, 1)
        _old, after = rest.split(END, 1)
        path.write_text(before + text + after)
    else:
        path.write_text(doc.rstrip("\n") + "\n\n## Meetings (issue 5)\n\n" + text + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each")
    parser.add_argument("--doc", type=Path, help="file to write (default: docs/benchmarks.md)")
    arguments = parser.parse_args()
    results = run(arguments.quick)
    text = section(results)
    print(text)
    if arguments.doc is not None or not arguments.quick:
        write_doc(arguments.doc or DOC, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
