"""A freeze and a comment committed at the same moment both succeed (no deadlock).

On PostgreSQL Django's foreign keys are checked at COMMIT: a comment's transaction takes the
audit chain head (its audit row), then, when it commits, a KEY SHARE lock on its plan. A
freeze takes the plan, then the head. With the plan taken FOR UPDATE the two waited for each
other and PostgreSQL ended one of them ("deadlock detected", a 500 found by the crash test of
issue 7); FOR NO KEY UPDATE does not conflict with KEY SHARE (docs/decisions/0184). SQLite
runs one writer at a time, where the question does not arise.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from liptako.accounts.models import User
from liptako.audit.services import audit_record
from liptako.audit.verify import verify_chain
from liptako.plans import services
from liptako.plans.models import Comment, PlanVersion
from liptako.plans.tests.conftest import SmallPlan

pytestmark = pytest.mark.usefixtures("audit_transactional_db")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's row locks")
def test_a_freeze_and_a_comment_committing_together_both_succeed(
    small_plan: SmallPlan, secretariat: User
) -> None:
    plan = small_plan.plan
    head_taken = threading.Event()
    errors: list[BaseException] = []

    def comment() -> None:
        try:
            with transaction.atomic():
                created = Comment.objects.create(
                    plan=plan,
                    item_kind="plan",
                    item_uid=plan.uid,
                    author=secretariat,
                    body="Commentaire concurrent",
                )
                audit_record(actor=secretariat, verb="comment.add", target=created)
                head_taken.set()
                time.sleep(1.5)  # the freeze now holds the plan and waits for the head
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def freeze() -> None:
        try:
            head_taken.wait(timeout=30)
            services.plan_version_freeze(plan=plan, actor=secretariat, note="concurrent")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=comment), threading.Thread(target=freeze)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Comment.objects.filter(body="Commentaire concurrent").count() == 1
    assert PlanVersion.objects.filter(plan=plan, note="concurrent").count() == 1
    assert verify_chain().ok
