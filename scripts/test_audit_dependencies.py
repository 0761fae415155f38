"""``make audit`` fails on a fixable vulnerability and says when it could not audit."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from scripts import audit_dependencies


def fake_pip_audit(monkeypatch: pytest.MonkeyPatch, dependencies: list[dict[str, Any]]) -> None:
    def run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(args, 1, json.dumps({"dependencies": dependencies}), "")

    monkeypatch.setattr(audit_dependencies.subprocess, "run", run)


def test_a_vulnerability_with_a_fix_fails(monkeypatch, capsys) -> None:
    fake_pip_audit(
        monkeypatch,
        [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.1"]}],
            },
            {"name": "nh3", "version": "0.3.0", "vulns": []},
        ],
    )
    assert audit_dependencies.main() == 1
    assert "django 5.2.0: PYSEC-1 (fixed in 5.2.1)" in capsys.readouterr().out


def test_no_vulnerability_passes(monkeypatch, capsys) -> None:
    fake_pip_audit(monkeypatch, [{"name": "nh3", "version": "0.3.0", "vulns": []}])
    assert audit_dependencies.main() == 0
    assert "1 dependencies audited" in capsys.readouterr().out


def test_an_unreachable_service_warns_or_fails_when_required(monkeypatch, capsys) -> None:
    fake_pip_audit(monkeypatch, [{"name": "nh3", "skip_reason": "Dependency not found on PyPI"}])
    assert audit_dependencies.main() == 0
    assert "could not be asked" in capsys.readouterr().out
    monkeypatch.setenv("LIPTAKO_AUDIT_REQUIRED", "1")
    assert audit_dependencies.main() == 1
