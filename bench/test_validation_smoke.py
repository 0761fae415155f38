"""The validation benchmark keeps working (no timing is asserted: figures live in
docs/benchmarks.md): one ``--quick`` run on a small plan in a throw-away home and database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "validation.py"


def test_quick_run_measures_every_figure_and_the_bundle_verifies(tmp_path: Path) -> None:
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
    assert "## Validation and plan documents (issue 4)" in text
    for row in ("| Sign |", "| PDF |", "| PDF, cached |", "| Bundle |", "| Verify |"):
        assert row in text, row
    assert "OK   plan.pdf" in text
    assert "VERDICT: VALID" in text
