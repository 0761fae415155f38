"""The state machine: freeze → in validation → validated → submitted → adopted → closed,
changes requested, superseding freezes, revisions; guarded against double moves."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from liptako.accounts.models import User
from liptako.audit.models import AuditEvent
from liptako.plans.models import Comment, Plan, PlanStatus
from liptako.plans.services import axis_update
from liptako.testing import AllianceFixture
from liptako.validation import services
from liptako.validation.models import Decision, DecisionKind, VersionState, VersionStatus
from liptako.validation.selectors import version_in_force
from liptako.validation.tests.conftest import Signer, approve, register_key
from liptako.validation.workflow import WorkflowConflict


def test_sending_to_validation_freezes_and_mails_each_validator(
    plan: Plan, secretariat: User, signers: dict[str, Signer], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        state = services.validation_open(plan=plan, actor=secretariat, note="Atelier")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.IN_VALIDATION
    assert state.status == VersionStatus.IN_VALIDATION
    assert state.version.number == 1
    assert state.quorum["validation"] == [
        {"count": 1, "member_state": code, "role": "validator"} for code in ("BFA", "MLI", "NER")
    ]
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        signer.user.email for signer in signers.values()
    )
    assert "attend votre validation" in mail.outbox[0].subject  # French, the users' language
    assert AuditEvent.objects.filter(verb="validation.open").exists()


def test_the_third_approval_validates_the_version(
    in_validation: VersionState,
    signers: dict[str, Signer],
    secretariat: User,
    django_capture_on_commit_callbacks,
) -> None:
    approve(signers["MLI"], in_validation.version)
    approve(signers["BFA"], in_validation.version)
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.IN_VALIDATION
    with django_capture_on_commit_callbacks(execute=True):
        approve(signers["NER"], in_validation.version)
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.VALIDATED
    assert Plan.objects.get(pk=in_validation.plan_id).status == PlanStatus.VALIDATED
    assert AuditEvent.objects.filter(verb="version.validate").count() == 1
    assert AuditEvent.objects.filter(verb="decision.approve").count() == 3
    assert [m.to for m in mail.outbox] == [[secretariat.email]]  # the submission is awaited


def test_submit_adopt_close_and_a_revision_keeps_the_adopted_version_in_force(
    validated: VersionState, secretariat: User, authority_mli: User, aes: AllianceFixture
) -> None:
    plan = validated.plan
    services.version_submit(version=validated.version, actor=secretariat)
    private_key, _key = register_key(authority_mli, secretariat)
    statement = services.statement_issue(
        version=validated.version,
        actor=authority_mli,
        kind=DecisionKind.ADOPT,
        member_state=aes.mali,
    )
    services.decision_sign(
        statement=statement, actor=authority_mli, signature=private_key.sign(statement.data)
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.IN_IMPLEMENTATION
    assert version_in_force(plan=plan) == validated.version

    services.plan_revise(plan=plan, actor=secretariat)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFTING
    assert plan.is_editable
    assert version_in_force(plan=plan) == validated.version  # still in force during a revision

    revision = services.validation_open(plan=plan, actor=secretariat)
    assert revision.version.number == 2
    assert version_in_force(plan=plan) == validated.version


def test_closing_an_adopted_plan(
    validated: VersionState, secretariat: User, authority_mli: User, aes
) -> None:
    services.version_submit(version=validated.version, actor=secretariat)
    private_key, _key = register_key(authority_mli, secretariat)
    statement = services.statement_issue(
        version=validated.version,
        actor=authority_mli,
        kind=DecisionKind.ADOPT,
        member_state=aes.mali,
    )
    services.decision_sign(
        statement=statement, actor=authority_mli, signature=private_key.sign(statement.data)
    )
    services.plan_close(plan=validated.plan, actor=secretariat)
    assert Plan.objects.get(pk=validated.plan_id).status == PlanStatus.CLOSED
    assert Decision.objects.filter(kind=DecisionKind.CLOSE).count() == 1


def test_a_request_for_changes_sends_the_plan_back_with_comments_on_items(
    in_validation: VersionState, signers: dict[str, Signer], secretariat: User
) -> None:
    plan = in_validation.plan
    action_uid = next(
        a["uid"] for a in in_validation.version.content["axes"][0]["objectives"][0]["actions"]
    )
    import uuid

    services.decision_request_changes(
        version=in_validation.version,
        actor=signers["NER"].user,
        member_state=signers["NER"].member_state,
        reasons="Le calendrier est trop serré.",
        item_reasons={uuid.UUID(action_uid): "Reporter le début à avril."},
    )
    plan.refresh_from_db()
    in_validation.refresh_from_db()
    assert plan.status == PlanStatus.CHANGES_REQUESTED
    assert plan.is_editable
    assert in_validation.status == VersionStatus.CHANGES_REQUESTED
    assert Comment.objects.filter(
        item_uid=uuid.UUID(action_uid), body="Reporter le début à avril."
    ).exists()
    assert Comment.objects.filter(item_uid=plan.uid).count() == 1
    # the next freeze opens a new round
    state2 = services.validation_open(plan=plan, actor=secretariat)
    assert state2.version.number == 2


def test_a_request_for_changes_needs_reasons(in_validation: VersionState, signers) -> None:
    with pytest.raises(ValidationError):
        services.decision_request_changes(
            version=in_validation.version,
            actor=signers["NER"].user,
            member_state=signers["NER"].member_state,
            reasons="  ",
        )
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.IN_VALIDATION


def test_a_superseding_freeze_cancels_the_validation_and_its_approvals(
    in_validation: VersionState, signers: dict[str, Signer], secretariat: User
) -> None:
    approve(signers["MLI"], in_validation.version)
    approve(signers["BFA"], in_validation.version)
    second = services.validation_open(plan=in_validation.plan, actor=secretariat)
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.SUPERSEDED
    assert second.status == VersionStatus.IN_VALIDATION
    # The approvals of version 1 do not count for version 2: Niger's alone does not validate.
    approve(signers["NER"], second.version)
    second.refresh_from_db()
    assert second.status == VersionStatus.IN_VALIDATION
    # …and version 1 can no longer be signed.
    with pytest.raises(PermissionDenied, match=r"superseded|remplacée"):
        services.statement_issue(
            version=in_validation.version,
            actor=signers["NER"].user,
            kind="approve",
            member_state=signers["NER"].member_state,
        )


def test_a_stale_page_moves_the_workflow_once(validated: VersionState, secretariat: User) -> None:
    services.version_submit(version=validated.version, actor=secretariat)
    with pytest.raises(WorkflowConflict) as error:
        services.version_submit(version=validated.version, actor=secretariat)
    assert (
        "soumise" in error.value.message
        or "validated" in error.value.message
        or error.value.message
    )
    assert Decision.objects.filter(kind=DecisionKind.SUBMIT).count() == 1


def test_withdrawing_returns_the_plan_to_drafting(
    in_validation: VersionState, secretariat: User
) -> None:
    services.validation_withdraw(plan=in_validation.plan, actor=secretariat, reasons="Erreur")
    in_validation.refresh_from_db()
    assert in_validation.status == VersionStatus.WITHDRAWN
    assert Plan.objects.get(pk=in_validation.plan_id).status == PlanStatus.DRAFTING


def test_only_the_secretariat_moves_the_workflow(
    plan: Plan, expert_mli: User, validator_bfa: User
) -> None:
    for user in (expert_mli, validator_bfa):
        with pytest.raises(PermissionDenied):
            services.validation_open(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFTING
    assert not VersionState.objects.exists()


def test_the_draft_is_locked_while_in_validation(
    in_validation: VersionState, secretariat: User
) -> None:
    from liptako.plans.models import Axis

    axis = Axis.objects.get(plan=in_validation.plan)
    with pytest.raises(PermissionDenied):
        axis_update(
            axis=axis, actor=secretariat, lock_version=axis.lock_version, data={"title": "X"}
        )


def test_the_quorum_is_configuration(
    aes: AllianceFixture, plan: Plan, secretariat: User, signers: dict[str, Signer]
) -> None:
    services.quorum_rule_update(
        alliance=aes.alliance,
        actor=secretariat,
        lock_version=0,
        validation=[{"member_state": "MLI", "role": "validator", "count": 1}],
        adoption_role="authority",
    )
    state = services.validation_open(plan=plan, actor=secretariat)
    approve(signers["MLI"], state.version)
    state.refresh_from_db()
    assert state.status == VersionStatus.VALIDATED
    assert AuditEvent.objects.filter(verb="quorum_rule.update").count() == 1


def test_a_stale_quorum_edit_is_refused(aes: AllianceFixture, secretariat: User) -> None:
    rule = [{"member_state": "MLI", "role": "validator", "count": 1}]
    services.quorum_rule_update(
        alliance=aes.alliance,
        actor=secretariat,
        lock_version=0,
        validation=rule,
        adoption_role="authority",
    )
    with pytest.raises(WorkflowConflict):
        services.quorum_rule_update(
            alliance=aes.alliance,
            actor=secretariat,
            lock_version=0,
            validation=rule,
            adoption_role="authority",
        )


def test_only_the_secretariat_sets_the_quorum(aes: AllianceFixture, validator_bfa: User) -> None:
    with pytest.raises(PermissionDenied):
        services.quorum_rule_update(
            alliance=aes.alliance,
            actor=validator_bfa,
            lock_version=0,
            validation=[{"member_state": "BFA", "role": "validator", "count": 1}],
            adoption_role="authority",
        )


def test_a_transition_applied_from_a_stale_state_is_refused_and_moves_nothing(
    in_validation: VersionState,
) -> None:
    from liptako.validation.workflow import apply

    stale = VersionState.objects.get(pk=in_validation.pk)
    plan = Plan.objects.get(pk=in_validation.plan_id)
    apply("request_changes", plan=plan, state=in_validation)  # someone else was quicker
    with pytest.raises(WorkflowConflict, match="rechargez la page"):
        apply("validate", plan=Plan.objects.get(pk=plan.pk), state=stale)
    stale.refresh_from_db()
    assert stale.status == VersionStatus.CHANGES_REQUESTED
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.CHANGES_REQUESTED


def test_mail_goes_out_in_the_recipients_language(
    plan: Plan, secretariat: User, signers: dict[str, Signer], django_capture_on_commit_callbacks
) -> None:
    english = signers["BFA"].user
    english.language = "en"
    english.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.validation_open(plan=plan, actor=secretariat)
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects[english.email] == "Version 1 of a plan awaits your validation"
    expected = "La version 1 d’un plan attend votre validation"  # noqa: RUF001
    assert subjects[signers["MLI"].user.email] == expected
