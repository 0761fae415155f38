"""Fixtures of the audit tests: no test ever touches the real instance key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from liptako.audit.models import AuditEvent
from liptako.audit.services import audit_record
from liptako.audit.testing import audit_transactional_db, instance_key_in_tmp_path

__all__ = ["audit_transactional_db", "instance_key_in_tmp_path"]


@pytest.fixture(autouse=True)
def _isolated_instance_key(instance_key_in_tmp_path: Path) -> Path:
    return instance_key_in_tmp_path


@pytest.fixture
def record(db: None) -> Callable[..., AuditEvent]:
    """Append an event as a service would (in its own transaction)."""

    def _record(verb: str = "thing.change", actor: Any = None, **payload: Any) -> AuditEvent:
        with transaction.atomic():
            return audit_record(actor=actor, verb=verb, payload=payload)

    return _record


@pytest.fixture
def chain(record: Callable[..., AuditEvent]) -> list[AuditEvent]:
    """Ten events, #1 to #10."""
    return [record("thing.change", number=number) for number in range(1, 11)]
