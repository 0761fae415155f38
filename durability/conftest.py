"""Fixtures of the durability tests: a seeded instance (migrated, demo, seed.py) cloned per test.

``LIPTAKO_LONG_SCALE`` sizes the long tests (``make test-long`` runs them at 1, the figures of
issue #7: a hundred kills per database, five-minute load for the figures being a separate
``bench/load.py`` run); smaller values make quicker local runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from durability.instances import Instance

HERE = Path(__file__).resolve().parent
SIGNING_PLANS = 20


def long_scale() -> float:
    return float(os.environ.get("LIPTAKO_LONG_SCALE", "1"))


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, dict[str, Any]]]:
    """A template instance: migrated, the demo loaded, ``seed.py`` run; never served."""
    home = tmp_path_factory.mktemp("durability") / "template"
    instance = Instance.create("durability_template", home)
    try:
        instance.must("migrate", "--no-input", "-v", "0")
        instance.must("demo")
        plans = max(3, round(SIGNING_PLANS * long_scale()))
        instance.script(HERE / "seed.py", str(plans), str(home / "seed.json"))
        seed = json.loads((home / "seed.json").read_text(encoding="utf-8"))
        yield instance, seed
    finally:
        instance.drop()


@pytest.fixture
def clone(
    seeded: tuple[Instance, dict[str, Any]], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Instance, dict[str, Any]]]:
    """A fresh copy of the seeded instance for one test."""
    template, seed = seeded
    name = "durability_" + request.node.name.lower().replace("[", "_").replace("]", "")[:30]
    instance = Instance.create(name, tmp_path / "home", template=template)
    try:
        yield instance, seed
    finally:
        instance.drop()
