"""The meetings benchmark keeps working (no timing is asserted: figures live in
docs/benchmarks.md): one ``--quick`` run in a throw-away home."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "meetings.py"


def test_quick_run_measures_every_figure(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nBy hand.\n")
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--doc", str(doc)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nBy hand.\n")
    assert "## Meetings (issue 5)" in text
    for row in ("| minutes PDF (", "| minutes DOCX (", "| communiqué PDF (", "| calendar feed ("):
        assert row in text, row
