"""Writes of the validation workflow: keys, statements, signed decisions, transitions, quorum.

Every service is keyword-only, checks the actor's right, runs in one transaction with its
audit row, and sends mail after the commit. Refusals raise ``PermissionDenied`` (who may
not), ``WorkflowConflict`` (the workflow moved meanwhile) or ``ValidationError`` (bad
input), each with a translated message saying why; nothing is changed then.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from liptako.accounts.models import Membership, Role, User
from liptako.alliance.models import Alliance, MemberState
from liptako.audit.services import audit_record
from liptako.core.canonical import canonical_json, sha256_hex
from liptako.core.models import MarkingLevel
from liptako.plans import services as plan_services
from liptako.plans.models import Plan, PlanStatus, PlanVersion
from liptako.plans.snapshot import highest_marking as plan_highest_marking
from liptako.validation import notifications
from liptako.validation.models import (
    Decision,
    DecisionKind,
    IssuedStatement,
    KeyOrigin,
    KeyStatus,
    QuorumRule,
    SigningKey,
    VersionState,
    VersionStatus,
)
from liptako.validation.offline import (
    QUORUM_FORMAT,
    STATEMENT_FORMAT,
    KeyError_,
    decode_signature,
    evaluate_quorum,
    fingerprint,
    public_key_from_raw,
    signature_is_valid,
)
from liptako.validation.workflow import WorkflowConflict, apply

MIN_PBKDF2_ITERATIONS = 600_000
QUORUM_ROLES = (Role.VALIDATOR, Role.AUTHORITY)
ADOPTION_ROLES = (Role.AUTHORITY, Role.SECRETARIAT)


def _is_secretariat(user: User) -> bool:
    return user.is_active and user.access.has_role(Role.SECRETARIAT)


def _require_secretariat(actor: User, message: str) -> None:
    if not _is_secretariat(actor):
        raise PermissionDenied(message)


# --- Quorum ----------------------------------------------------------------------------------


def default_validation(alliance: Alliance) -> list[dict[str, Any]]:
    return [
        {"member_state": code, "role": Role.VALIDATOR.value, "count": 1}
        for code in MemberState.objects.filter(alliance=alliance)
        .order_by("code")
        .values_list("code", flat=True)
    ]


def quorum_rule_for(alliance: Alliance) -> dict[str, Any]:
    """The rule in force for ``alliance`` as a JSON document (default when never edited)."""
    rule = QuorumRule.objects.filter(alliance=alliance).first()
    validation = rule.validation if rule is not None else default_validation(alliance)
    adoption_role = rule.adoption_role if rule is not None else Role.AUTHORITY.value
    return {
        "format": QUORUM_FORMAT,
        "alliance": alliance.acronym or alliance.name,
        "validation": sorted(validation, key=lambda entry: (entry["member_state"], entry["role"])),
        "adoption": {"role": adoption_role, "count": 1},
    }


def quorum_rule_update(
    *,
    alliance: Alliance,
    actor: User,
    lock_version: int,
    validation: Sequence[Mapping[str, Any]],
    adoption_role: str,
) -> QuorumRule:
    """Set who must approve and who adopts (secretariat). Rounds already open keep the rule
    they started with. ``lock_version`` 0 stands for "never edited"."""
    _require_secretariat(actor, _("Only the secretariat sets the quorum."))
    codes = set(MemberState.objects.filter(alliance=alliance).values_list("code", flat=True))
    entries = []
    for entry in validation:
        code, role, count = str(entry["member_state"]), str(entry["role"]), int(entry["count"])
        if code not in codes or role not in QUORUM_ROLES or not 0 <= count <= 10:
            raise ValidationError({"validation": _("The quorum names an unknown state or role.")})
        if count:
            entries.append({"member_state": code, "role": role, "count": count})
    if not entries:
        raise ValidationError(
            {"validation": _("At least one approval must be required for validation.")}
        )
    if adoption_role not in ADOPTION_ROLES:
        raise ValidationError({"adoption_role": _("Choose who adopts the plan.")})
    with transaction.atomic():
        rule = QuorumRule.objects.select_for_update().filter(alliance=alliance).first()
        before = quorum_rule_for(alliance)
        if rule is None:
            if lock_version != 0:
                raise WorkflowConflict(_("Someone changed the quorum meanwhile: reload the page."))
            rule = QuorumRule.objects.create(
                alliance=alliance, validation=entries, adoption_role=adoption_role
            )
        else:
            if rule.lock_version != lock_version:
                raise WorkflowConflict(_("Someone changed the quorum meanwhile: reload the page."))
            rule.validation, rule.adoption_role = entries, adoption_role
            rule.lock_version = F("lock_version") + 1
            rule.save(update_fields=["validation", "adoption_role", "lock_version", "updated_at"])
            rule.refresh_from_db()
        audit_record(
            actor=actor,
            verb="quorum_rule.update",
            target=rule,
            payload={"before": before, "after": quorum_rule_for(alliance)},
        )
    return rule


# --- Keys ------------------------------------------------------------------------------------


def _check_wrapped(wrapped: Mapping[str, Any]) -> dict[str, Any]:
    """The wrapped private key must be the shape signing.js writes, and nothing more."""
    expected = {"format", "salt", "iterations", "iv", "ciphertext"}
    if set(wrapped) != expected or wrapped.get("format") != "liptako.wrapped-key/1":
        raise ValidationError({"wrapped_private_key": _("The wrapped key is not in our format.")})
    iterations = wrapped.get("iterations")
    if not isinstance(iterations, int) or iterations < MIN_PBKDF2_ITERATIONS:
        raise ValidationError(
            {"wrapped_private_key": _("The passphrase must be stretched with 600,000 rounds.")}
        )
    for name in ("salt", "iv", "ciphertext"):
        try:
            base64.b64decode(str(wrapped[name]), validate=True)
        except ValueError as error:
            raise ValidationError(
                {"wrapped_private_key": _("The wrapped key is not in our format.")}
            ) from error
    return dict(wrapped)


def signing_key_register(
    *, actor: User, public_key: bytes, wrapped_private_key: Mapping[str, Any] | None = None
) -> SigningKey:
    """Register the actor's new public key; it awaits the secretariat's confirmation.

    A key still awaiting confirmation is replaced (revoked). The confirmed key, if any,
    keeps working until the new one is confirmed (rotation).
    """
    if not (actor.access.has_role(Role.VALIDATOR) or actor.access.has_role(Role.AUTHORITY)):
        raise PermissionDenied(_("Only validators and authorities hold signing keys."))
    try:
        public_key_from_raw(public_key)
    except (KeyError_, ValueError) as error:
        raise ValidationError({"public_key": _("This is not an Ed25519 public key.")}) from error
    fp = fingerprint(public_key)
    wrapped = _check_wrapped(wrapped_private_key) if wrapped_private_key is not None else None
    with transaction.atomic():
        if SigningKey.objects.filter(fingerprint=fp).exists():
            raise ValidationError({"public_key": _("This key is already registered.")})
        for pending in SigningKey.objects.select_for_update().filter(
            holder=actor, status=KeyStatus.PENDING
        ):
            _revoke(pending, actor=actor, reason="replaced before confirmation")
        key = SigningKey.objects.create(
            holder=actor,
            public_key=public_key.hex(),
            fingerprint=fp,
            wrapped_private_key=wrapped,
            origin=KeyOrigin.BROWSER if wrapped else KeyOrigin.OFFLINE,
        )
        audit_record(
            actor=actor,
            verb="signing_key.register",
            target=key,
            payload={"uid": str(key.uid), "fingerprint": fp, "origin": key.origin},
        )
    return key


def _revoke(key: SigningKey, *, actor: User, reason: str) -> None:
    moved = SigningKey.objects.filter(
        pk=key.pk, status__in=[KeyStatus.PENDING, KeyStatus.CONFIRMED]
    ).update(
        status=KeyStatus.REVOKED,
        revoked_at=timezone.now(),
        revoked_by=actor,
        revocation_reason=reason[:300],
    )
    if moved != 1:
        raise WorkflowConflict(_("This key is already revoked."))
    key.refresh_from_db()
    audit_record(
        actor=actor,
        verb="signing_key.revoke",
        target=key,
        payload={"uid": str(key.uid), "fingerprint": key.fingerprint, "reason": reason},
    )


def signing_key_confirm(*, key: SigningKey, actor: User, at: datetime | None = None) -> SigningKey:
    """Confirm a pending key (secretariat, after comparing its fingerprint out of band).

    The holder's previously confirmed key is revoked (rotation); history is kept.
    """
    _require_secretariat(actor, _("Only the secretariat confirms signing keys."))
    if key.holder_id == actor.pk:
        raise PermissionDenied(_("Someone else must confirm your own key."))
    with transaction.atomic():
        for previous in SigningKey.objects.select_for_update().filter(
            holder_id=key.holder_id, status=KeyStatus.CONFIRMED
        ):
            _revoke(previous, actor=actor, reason="rotated")
        moved = SigningKey.objects.filter(pk=key.pk, status=KeyStatus.PENDING).update(
            status=KeyStatus.CONFIRMED, confirmed_by=actor, confirmed_at=at or timezone.now()
        )
        if moved != 1:
            raise WorkflowConflict(_("This key no longer awaits confirmation."))
        key.refresh_from_db()
        audit_record(
            actor=actor,
            verb="signing_key.confirm",
            target=key,
            payload={"uid": str(key.uid), "fingerprint": key.fingerprint, "holder": key.holder_id},
        )
    return key


def signing_key_revoke(*, key: SigningKey, actor: User, reason: str = "") -> SigningKey:
    """Revoke a key (its holder or the secretariat). Signatures made before stay valid."""
    if key.holder_id != actor.pk and not _is_secretariat(actor):
        raise PermissionDenied(_("Only the holder or the secretariat revokes a key."))
    with transaction.atomic():
        _revoke(key, actor=actor, reason=reason.strip() or "revoked")
    return key


def confirmed_key_of(user: User) -> SigningKey:
    key = SigningKey.objects.filter(holder=user, status=KeyStatus.CONFIRMED).first()
    if key is not None:
        return key
    latest = SigningKey.objects.filter(holder=user).order_by("-created_at").first()
    if latest is not None and latest.status == KeyStatus.PENDING:
        raise PermissionDenied(
            _("Your signing key awaits confirmation by the secretariat: you cannot sign yet.")
        )
    if latest is not None and latest.status == KeyStatus.REVOKED:
        raise PermissionDenied(_("Your signing key was revoked: register a new one."))
    raise PermissionDenied(_("You have no signing key: register one first."))


# --- Eligibility -----------------------------------------------------------------------------


def highest_marking(version: PlanVersion) -> MarkingLevel:
    """The highest marking in the frozen document (the plan's or any action's)."""
    return plan_highest_marking(version.content) or MarkingLevel.lowest()


def _status_refusal(state: VersionState | None, kind: str) -> str:
    if state is None:
        return _("This version was never sent to validation.")
    status = state.status
    if status == VersionStatus.SUPERSEDED:
        return _("This version was superseded by a later freeze: it can no longer be signed.")
    if status == VersionStatus.WITHDRAWN:
        return _("This version was withdrawn from validation: it can no longer be signed.")
    if kind == DecisionKind.ADOPT:
        return _("Only a version submitted to the heads of state can be adopted.")
    if status == VersionStatus.VALIDATED:
        return _("This version is already validated.")
    return _("This version is no longer in validation (%(status)s).") % {
        "status": state.get_status_display()
    }


def decision_role(
    *, state: VersionState | None, actor: User, kind: str, member_state: MemberState
) -> str:
    """The role under which ``actor`` may take decision ``kind`` for ``member_state`` on this
    version, or ``PermissionDenied`` saying why not."""
    expected = (
        VersionStatus.SUBMITTED if kind == DecisionKind.ADOPT else VersionStatus.IN_VALIDATION
    )
    if state is None or state.status != expected:
        raise PermissionDenied(_status_refusal(state, kind))
    if kind == DecisionKind.ADOPT:
        roles = [state.quorum["adoption"]["role"]]
    else:
        roles = [
            entry["role"]
            for entry in state.quorum["validation"]
            if entry["member_state"] == member_state.code and int(entry["count"]) > 0
        ]
    access = actor.access
    held = [role for role in roles if access.has_role(role, member_state.pk)]
    if not actor.is_active or not held:
        role_label = dict(Role.choices).get(roles[0] if roles else Role.VALIDATOR, "")
        raise PermissionDenied(
            _("You do not hold the %(role)s role for %(state)s: you cannot decide for it.")
            % {"role": str(role_label).lower(), "state": member_state.name}
        )
    highest = highest_marking(state.version)
    if access.clearance_rank < highest.rank:
        raise PermissionDenied(
            _("Your clearance is below the highest marking of this version (%(marking)s).")
            % {"marking": highest.code}
        )
    if Decision.objects.filter(version=state.version, actor=actor, kind=kind).exists():
        raise PermissionDenied(_("You have already taken this decision on this version."))
    if Decision.objects.filter(
        version=state.version,
        member_state=member_state,
        kind__in=[DecisionKind.APPROVE, DecisionKind.REQUEST_CHANGES],
        role__in=held,
    ).exists() and kind in (DecisionKind.APPROVE, DecisionKind.REQUEST_CHANGES):
        raise PermissionDenied(
            _("%(state)s has already decided on this version.") % {"state": member_state.name}
        )
    return held[0]


def _state_of(version: PlanVersion, *, lock: bool = False) -> VersionState | None:
    queryset = VersionState.objects.select_related("version", "plan")
    if lock:
        queryset = queryset.select_for_update()
    return queryset.filter(version=version).first()


# --- Statements and signed decisions ---------------------------------------------------------


def signer_identity(user: User) -> tuple[str, str]:
    """(name, position) of a signer: the directory's person when linked, else the account."""
    person = getattr(user, "person", None)
    if person is None:
        return (user.get_full_name() or user.username, "")
    position = (
        person.positions.select_related("organisation")
        .order_by(F("end_date").desc(nulls_first=True), "-start_date")
        .first()
    )
    title = f"{position.title}, {position.organisation.name}" if position is not None else ""
    return (person.display_name, title)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def statement_issue(
    *,
    version: PlanVersion,
    actor: User,
    kind: str,
    member_state: MemberState,
    at: datetime | None = None,
) -> IssuedStatement:
    """The statement ``actor`` is to sign for ``kind`` on ``version`` for ``member_state``.

    Issued once per (version, signer, decision, member state) and then always the same bytes
    (canonical JSON, RFC 8785), so a page reload or the offline path signs the same thing.
    """
    if kind not in (DecisionKind.APPROVE, DecisionKind.ADOPT):
        raise ValidationError({"kind": _("Only approvals and adoptions are signed.")})
    existing = IssuedStatement.objects.filter(
        version=version, signer=actor, kind=kind, member_state=member_state
    ).first()
    state = _state_of(version)
    if existing is not None and Decision.objects.filter(statement=existing).exists():
        return existing  # signed: the page shows it as such
    role = decision_role(state=state, actor=actor, kind=kind, member_state=member_state)
    if existing is not None:
        return existing
    issued_at = at or timezone.now()
    name, position = signer_identity(actor)
    plan = version.plan
    content = {
        "format": STATEMENT_FORMAT,
        "alliance": plan.alliance.acronym or plan.alliance.name,
        "plan": str(plan.uid),
        "version": version.number,
        "digest": version.digest,
        "decision": str(kind),
        "member_state": member_state.code,
        "role": role,
        "signer": {"id": actor.pk, "name": name, "position": position},
        "issued_at": _iso(issued_at),
    }
    try:
        with transaction.atomic():
            return IssuedStatement.objects.create(
                version=version,
                signer=actor,
                kind=kind,
                member_state=member_state,
                role=role,
                canonical=canonical_json(content).decode("utf-8"),
                issued_at=issued_at,
            )
    except IntegrityError:  # issued meanwhile by a second request of the same person
        return IssuedStatement.objects.get(
            version=version, signer=actor, kind=kind, member_state=member_state
        )


def decision_sign(
    *,
    statement: IssuedStatement,
    actor: User,
    signature: str | bytes,
    at: datetime | None = None,
) -> Decision:
    """Record a signed approval (or adoption) once the signature is verified.

    The signature must be the actor's confirmed key's Ed25519 signature over the exact bytes
    of the statement issued to them. The third approval (the quorum) validates the version;
    an adoption puts the version in force. Nothing is recorded when any check fails.
    """
    if statement.signer_id != actor.pk:
        raise PermissionDenied(_("This statement was issued to someone else."))
    try:
        raw = decode_signature(signature)
    except KeyError_ as error:
        raise ValidationError(
            {"signature": _("The signature must be 64 bytes, in base64.")}
        ) from error
    with transaction.atomic():
        state = _state_of(statement.version, lock=True)
        role = decision_role(
            state=state, actor=actor, kind=statement.kind, member_state=statement.member_state
        )
        assert state is not None
        key = confirmed_key_of(actor)
        if not signature_is_valid(key.public_key_bytes, raw, statement.data):
            raise ValidationError(
                {
                    "signature": _(
                        "The signature does not match the statement issued to you with your "
                        "confirmed key (%(words)s): nothing was recorded."
                    )
                    % {"words": key.fingerprint_words}
                }
            )
        try:
            with transaction.atomic():
                decision = Decision.objects.create(
                    version=statement.version,
                    kind=statement.kind,
                    member_state=statement.member_state,
                    role=role,
                    actor=actor,
                    statement=statement,
                    signature=base64.b64encode(raw).decode("ascii"),
                    key=key,
                    decided_at=at or timezone.now(),
                )
        except IntegrityError as error:
            raise PermissionDenied(
                _("%(state)s has already decided on this version.")
                % {"state": statement.member_state.name}
            ) from error
        audit_record(
            actor=actor,
            verb=f"decision.{statement.kind}",
            target=decision,
            payload={
                "uid": str(decision.uid),
                "plan": str(state.plan.uid),
                "version": statement.version.number,
                "digest": statement.version.digest,
                "member_state": statement.member_state.code,
                "role": role,
                "statement_sha256": sha256_hex(statement.data),
                "signature": decision.signature,
                "key": key.fingerprint,
            },
        )
        if statement.kind == DecisionKind.APPROVE:
            _validate_if_quorum(state, actor=actor)
        else:
            _adopt(state, actor=actor)
    return decision


def approvals_of(version: PlanVersion) -> list[tuple[str, str, Any]]:
    return [
        (code, role, actor_id)
        for code, role, actor_id in Decision.objects.filter(
            version=version, kind=DecisionKind.APPROVE
        ).values_list("member_state__code", "role", "actor_id")
    ]


def _validate_if_quorum(state: VersionState, *, actor: User) -> None:
    if not evaluate_quorum(state.quorum, approvals_of(state.version)).met:
        return
    try:
        apply("validate", plan=state.plan, state=state)
    except WorkflowConflict:
        return  # a concurrent approval already validated it: this approval is recorded
    audit_record(
        actor=actor,
        verb="version.validate",
        target=state.version,
        payload={"plan": str(state.plan.uid), "version": state.version.number},
    )
    notifications.after_commit_notify(state.pk)


def _adopt(state: VersionState, *, actor: User) -> None:
    previous = (
        VersionState.objects.select_for_update()
        .filter(plan=state.plan, status=VersionStatus.ADOPTED)
        .exclude(pk=state.pk)
        .first()
    )
    if previous is not None:
        VersionState.objects.filter(pk=previous.pk, status=VersionStatus.ADOPTED).update(
            status=VersionStatus.REPLACED, status_changed_at=timezone.now()
        )
    apply("adopt", plan=state.plan, state=state)
    audit_record(
        actor=actor,
        verb="version.adopt",
        target=state.version,
        payload={
            "plan": str(state.plan.uid),
            "version": state.version.number,
            "replaces": previous.version.number if previous is not None else None,
        },
    )


# --- Unsigned transitions --------------------------------------------------------------------


def validation_open(
    *,
    plan: Plan,
    actor: User,
    note: str = "",
    version: PlanVersion | None = None,
    at: datetime | None = None,
) -> VersionState:
    """Freeze the live draft and send the new version to validation (secretariat).

    If a version is in validation, it is superseded first: its pending approvals will never
    count (they were over another digest). With ``version``, the plan's latest version, frozen
    earlier and never sent, is sent as it is (no new freeze). The quorum rule in force is
    captured. ``at`` dates a historical round (the demo); pages never pass it.
    """
    _require_secretariat(actor, _("Only the secretariat sends a plan to validation."))
    with transaction.atomic():
        # NO KEY UPDATE: see plan_version_freeze (docs/decisions/0184).
        locked = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        superseded = None
        if locked.status == PlanStatus.IN_VALIDATION:
            superseded = VersionState.objects.select_for_update().get(
                plan=locked, status=VersionStatus.IN_VALIDATION
            )
            apply("supersede", plan=locked, state=superseded)
        elif locked.status not in (PlanStatus.DRAFTING, PlanStatus.CHANGES_REQUESTED):
            raise WorkflowConflict(
                _("Only a plan being drafted can be sent to validation (it is %(status)s).")
                % {"status": locked.get_status_display().lower()}
            )
        if version is None:
            version = plan_services.plan_version_freeze(
                plan=locked, actor=actor, note=note, frozen_at=at
            )
        elif (
            superseded is not None
            or VersionState.objects.filter(version=version).exists()
            or PlanVersion.objects.filter(plan=locked, number__gt=version.number).exists()
            or version.plan_id != locked.pk
        ):
            raise WorkflowConflict(_("Only the latest version, never sent, can be sent as it is."))
        apply("open", plan=locked, state=None)
        state = VersionState.objects.create(
            version=version,
            plan=locked,
            status=VersionStatus.IN_VALIDATION,
            opened_by=actor,
            opened_at=at or timezone.now(),
            status_changed_at=at or timezone.now(),
            quorum=quorum_rule_for(locked.alliance),
        )
        audit_record(
            actor=actor,
            verb="validation.open",
            target=version,
            payload={
                "plan": str(locked.uid),
                "version": version.number,
                "digest": version.digest,
                "supersedes": superseded.version.number if superseded else None,
                "quorum": state.quorum,
            },
        )
        notifications.after_commit_notify(state.pk)
    plan.refresh_from_db(fields=["status", "lock_version"])
    return state


def _current_state(plan: Plan, status: VersionStatus) -> VersionState:
    state = (
        VersionState.objects.select_for_update()
        .select_related("version", "plan")
        .filter(plan=plan, status=status)
        .first()
    )
    if state is None:
        raise WorkflowConflict(
            _("The plan is no longer in the expected state: reload the page to see its status.")
        )
    return state


def _simple_decision(
    *,
    state: VersionState,
    actor: User,
    kind: str,
    role: str,
    reasons: str = "",
    member_state: MemberState | None = None,
    at: datetime | None = None,
) -> Decision:
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                version=state.version,
                kind=kind,
                member_state=member_state,
                role=role,
                actor=actor,
                reasons=reasons,
                decided_at=at or timezone.now(),
            )
    except IntegrityError as error:
        raise WorkflowConflict(_("This decision was already taken.")) from error
    audit_record(
        actor=actor,
        verb=f"decision.{kind}",
        target=decision,
        payload={
            "uid": str(decision.uid),
            "plan": str(state.plan.uid),
            "version": state.version.number,
            "member_state": member_state.code if member_state else None,
            "reasons": reasons,
        },
    )
    return decision


def validation_withdraw(*, plan: Plan, actor: User, reasons: str) -> VersionState:
    """Take the version in validation back to drafting (secretariat); approvals lapse."""
    _require_secretariat(actor, _("Only the secretariat withdraws a version."))
    with transaction.atomic():
        state = _current_state(plan, VersionStatus.IN_VALIDATION)
        apply("withdraw", plan=state.plan, state=state)
        audit_record(
            actor=actor,
            verb="validation.withdraw",
            target=state.version,
            payload={"plan": str(plan.uid), "version": state.version.number, "reasons": reasons},
        )
    plan.refresh_from_db(fields=["status", "lock_version"])
    return state


def decision_request_changes(
    *,
    version: PlanVersion,
    actor: User,
    member_state: MemberState,
    reasons: str,
    item_reasons: Mapping[UUID, str] | None = None,
) -> Decision:
    """Send the version back for changes, with reasons (validator of ``member_state``).

    Reasons given per item become comments on those items of the draft.
    """
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError({"reasons": _("Say which changes are needed.")})
    with transaction.atomic():
        state = _state_of(version, lock=True)
        role = decision_role(
            state=state, actor=actor, kind=DecisionKind.REQUEST_CHANGES, member_state=member_state
        )
        assert state is not None
        apply("request_changes", plan=state.plan, state=state)
        decision = _simple_decision(
            state=state,
            actor=actor,
            kind=DecisionKind.REQUEST_CHANGES,
            role=role,
            reasons=reasons,
            member_state=member_state,
        )
        plan = state.plan
        plan_services.comment_add(plan=plan, actor=actor, item_uid=plan.uid, body=reasons)
        for item_uid, text in (item_reasons or {}).items():
            if text.strip():
                plan_services.comment_add(plan=plan, actor=actor, item_uid=item_uid, body=text)
        notifications.after_commit_notify(state.pk)
    return decision


def version_submit(*, version: PlanVersion, actor: User, at: datetime | None = None) -> Decision:
    """Submit the validated version to the heads of state (secretariat)."""
    _require_secretariat(actor, _("Only the secretariat submits a plan to the heads of state."))
    with transaction.atomic():
        state = _state_of(version, lock=True)
        if state is None or state.status != VersionStatus.VALIDATED:
            raise WorkflowConflict(_("Only a validated version can be submitted."))
        apply("submit", plan=state.plan, state=state)
        decision = _simple_decision(
            state=state, actor=actor, kind=DecisionKind.SUBMIT, role=Role.SECRETARIAT, at=at
        )
        notifications.after_commit_notify(state.pk)
    return decision


def version_return(
    *, version: PlanVersion, actor: User, member_state: MemberState, reasons: str
) -> Decision:
    """Return the submitted version to drafting (the adopting role), with reasons."""
    reasons = reasons.strip()
    if not reasons:
        raise ValidationError({"reasons": _("Say why the plan is returned.")})
    with transaction.atomic():
        state = _state_of(version, lock=True)
        role = decision_role(
            state=state, actor=actor, kind=DecisionKind.ADOPT, member_state=member_state
        )
        assert state is not None
        apply("return", plan=state.plan, state=state)
        decision = _simple_decision(
            state=state,
            actor=actor,
            kind=DecisionKind.RETURN,
            role=role,
            reasons=reasons,
            member_state=member_state,
        )
        notifications.after_commit_notify(state.pk)
    return decision


def plan_revise(*, plan: Plan, actor: User) -> Plan:
    """Open a revision of an adopted plan (secretariat): the plan is drafted again while the
    adopted version stays in force until a revised version is adopted."""
    _require_secretariat(actor, _("Only the secretariat opens a revision."))
    with transaction.atomic():
        apply("revise", plan=plan, state=None)
        audit_record(actor=actor, verb="plan.revise", target=plan, payload={"uid": str(plan.uid)})
    return plan


def plan_close(*, plan: Plan, actor: User, reasons: str = "") -> Decision:
    """Close an adopted plan (secretariat): recorded as a decision on the version in force."""
    _require_secretariat(actor, _("Only the secretariat closes a plan."))
    with transaction.atomic():
        state = _current_state(plan, VersionStatus.ADOPTED)
        apply("close", plan=plan, state=None)
        decision = _simple_decision(
            state=state,
            actor=actor,
            kind=DecisionKind.CLOSE,
            role=Role.SECRETARIAT,
            reasons=reasons.strip(),
        )
    return decision


def active_members(role: str, member_state_id: int | None) -> list[User]:
    queryset = Membership.objects.filter(role=role, user__is_active=True).select_related("user")
    if member_state_id is not None:
        queryset = queryset.filter(member_state_id=member_state_id)
    return sorted({membership.user for membership in queryset}, key=lambda user: user.pk)
