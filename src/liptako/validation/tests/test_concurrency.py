"""Eight writers at once on the same workflow step: it happens once, the others are told why.

Each writer is a thread with its own database connection, committing for real
(``audit_transactional_db``). Afterwards the audit chain has no fork and no gap.
"""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.audit.testing import as_sqlite_waits, run_concurrently
from liptako.audit.verify import verify_chain
from liptako.plans.models import Plan
from liptako.validation import services
from liptako.validation.models import Decision, DecisionKind, VersionState, VersionStatus
from liptako.validation.tests.conftest import Signer, approve
from liptako.validation.workflow import WorkflowConflict

pytestmark = pytest.mark.usefixtures("audit_transactional_db")

WRITERS = 8


def _all_say(errors: list[BaseException], sentence: str) -> bool:
    # "in", not "==": the validation catalogue of this branch repeats some translations (fixed
    # in main); the sentence a user reads is what matters here.
    return all(sentence in str(getattr(error, "message", error)) for error in errors)


def test_eight_submissions_of_the_quorum_signature_record_one_decision_and_validate_once(
    in_validation: VersionState, signers: dict[str, Signer]
) -> None:
    version = in_validation.version
    approve(signers["MLI"], version)
    approve(signers["BFA"], version)
    niger = signers["NER"]
    statement = services.statement_issue(
        version=version,
        actor=niger.user,
        kind=DecisionKind.APPROVE,
        member_state=niger.member_state,
    )
    signature = base64.b64encode(niger.sign(statement.data)).decode()
    events_before = AuditEvent.objects.count()

    def submit(_number: int) -> None:
        with translation.override("fr"):
            as_sqlite_waits(
                lambda: services.decision_sign(
                    statement=statement, actor=niger.user, signature=signature
                )
            )

    errors = run_concurrently(submit, WRITERS)

    assert Decision.objects.filter(version=version, member_state=niger.member_state).count() == 1
    assert len(errors) == WRITERS - 1
    assert all(isinstance(error, PermissionDenied) for error in errors), errors
    # The state row is locked: the winner validates the version, the others then find it so.
    assert _all_say(errors, "Cette version est déjà validée.")
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.VALIDATED
    new_events = AuditEvent.objects.filter(sequence__gt=events_before)
    assert list(new_events.order_by("sequence").values_list("verb", flat=True)) == [
        "decision.approve",
        "version.validate",
    ]
    result = verify_chain()
    assert result.ok, result.reason


def test_eight_identical_withdrawals_withdraw_once(
    plan: Plan, in_validation: VersionState, secretariat: User
) -> None:
    def withdraw(number: int) -> None:
        with translation.override("fr"):
            as_sqlite_waits(
                lambda: services.validation_withdraw(
                    plan=Plan.objects.get(pk=plan.pk),
                    actor=secretariat,
                    reasons=f"retrait {number}",
                )
            )

    errors = run_concurrently(withdraw, WRITERS)

    assert len(errors) == WRITERS - 1
    assert all(isinstance(error, WorkflowConflict) for error in errors), errors
    assert _all_say(
        errors,
        "Le plan n\u2019est plus dans l\u2019\u00e9tat attendu : rechargez la page pour voir "
        "son statut.",
    )
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.WITHDRAWN
    assert AuditEvent.objects.filter(verb="validation.withdraw").count() == 1
    result = verify_chain()
    assert result.ok, result.reason
