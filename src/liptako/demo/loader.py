"""``load_demo()``: the orchestrator of the demo, part after part, in one transaction.

Each part is a module with ``load(context)`` and ``delete() -> counts``. Later issues add
theirs (``demo/plans.py``, ``demo/meetings.py``) to :data:`PARTS` after the ones they use;
a reset deletes in the reverse order, so rows that protect others go first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings

from liptako.alliance.models import Alliance, MemberState, Organisation, Person
from liptako.audit.services import audit_record
from liptako.demo import accounts, alliance, meetings, monitoring, plans, validation
from liptako.demo.context import DemoAccount, DemoContext

if TYPE_CHECKING:
    from collections.abc import Sequence

PARTS: list[ModuleType] = [alliance, accounts, plans, meetings, validation, monitoring]

ACCOUNTS_FILE_NAME = "demo-accounts.txt"


class DemoDataExists(Exception):
    """The database already holds directory data: loading would mix two worlds."""


@dataclass(frozen=True)
class DemoResult:
    context: DemoContext
    accounts_file: Path

    @property
    def accounts(self) -> Sequence[DemoAccount]:
        return self.context.accounts


def database_has_data() -> bool:
    """True when an alliance (or any directory row) exists."""
    return any(model.objects.exists() for model in (Alliance, MemberState, Organisation, Person))


def accounts_file_path() -> Path:
    return Path(settings.LIPTAKO_HOME) / ACCOUNTS_FILE_NAME


def load_demo(*, reset: bool = False) -> DemoResult:
    """Load the demo into an empty database (or, with ``reset``, delete the demo's data first).

    Everything happens in one transaction, recorded in the audit log (``demo.reset``, each
    service's own events, ``demo.load``). Raises :class:`DemoDataExists` when data is there
    and ``reset`` is false. Writes the accounts file right after the commit (before any
    other post-commit work of the parts). Sends no mail: demo addresses are undeliverable.
    """
    context = DemoContext()
    path = accounts_file_path()
    # Inside a caller's transaction (tests), on_commit hooks wait for that caller's commit.
    in_outer_transaction = transaction.get_connection().in_atomic_block
    # Demo accounts have undeliverable addresses: what the parts would mail (notifications
    # sent on commit) goes nowhere, and a mail error cannot lose the passwords.
    no_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    with no_mail, transaction.atomic():
        if not in_outer_transaction:
            # The first hook to run after the commit: the passwords are saved before any
            # other part's post-commit work.
            transaction.on_commit(lambda: write_accounts_file(context.accounts))
        if reset:
            deleted: dict[str, int] = {}
            for part in reversed(PARTS):
                deleted.update(part.delete())
            audit_record(actor=None, verb="demo.reset", payload={"deleted": deleted})
        elif database_has_data():
            raise DemoDataExists
        for part in PARTS:
            part.load(context)
        audit_record(
            actor=None,
            verb="demo.load",
            target=context.alliance,
            payload={
                "member_states": sorted(context.member_states),
                "organisations": len(context.organisations),
                "people": len(context.people),
                "accounts": [account.username for account in context.accounts],
            },
        )
    if in_outer_transaction:
        write_accounts_file(context.accounts)
    return DemoResult(context=context, accounts_file=path)


def write_accounts_file(demo_accounts: Sequence[DemoAccount]) -> Path:
    """``username<TAB>password<TAB>role<TAB>member state`` per line, readable by the owner only.

    Accounts with a second factor go on with ``<TAB>TOTP secret<TAB>recovery codes (comma
    separated)<TAB>otpauth:// URI``.
    """
    path = accounts_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its old mode through os.open
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.writelines(account.as_line() + "\n" for account in demo_accounts)
    return path
