"""API operations of the validation workflow (thin adapters over its services and selectors).

Reads: a version's workflow status and decisions, the caller's signing key (its wrapped
private key, for signing.js), the statement issued to the caller. Writes: issue a statement,
submit a signature. Anyone may verify an uploaded bundle (POST /validation/verify).
Refusals are 403/409/422 with the service's translated reason in ``detail``.

No ``from __future__ import annotations`` here: django-ninja reads the annotations at run time.
"""

import base64
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from liptako.alliance.models import MemberState
from liptako.validation import selectors, services
from liptako.validation.forms import MAX_BUNDLE_BYTES
from liptako.validation.models import Decision, IssuedStatement
from liptako.validation.offline import verify_bundle
from liptako.validation.permissions import access_statement, access_version
from liptako.validation.workflow import WorkflowConflict

router = Router(tags=["validation"])


class ErrorOut(Schema):
    detail: str


class StatementIn(Schema):
    member_state: str
    decision: str


class SignatureIn(Schema):
    signature: str


def _user(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def _decision_out(decision: Decision) -> dict[str, Any]:
    return {
        "uid": str(decision.uid),
        "decision": decision.kind,
        "member_state": decision.member_state.code if decision.member_state else None,
        "role": decision.role,
        "by": str(decision.actor),
        "at": decision.decided_at.isoformat(),
        "reasons": decision.reasons,
        "signed": decision.is_signed,
        "signature": decision.signature or None,
        "key_fingerprint": decision.key.fingerprint if decision.key else None,
    }


def _statement_out(statement: IssuedStatement) -> dict[str, Any]:
    return {
        "uid": str(statement.uid),
        "decision": statement.kind,
        "member_state": statement.member_state.code,
        "statement": statement.canonical,
        "statement_base64": base64.b64encode(statement.data).decode("ascii"),
        "issued_at": statement.issued_at.isoformat(),
        "signed": hasattr(statement, "decision"),
    }


def _refused(error: Exception, status: int = 403) -> Status[dict[str, Any]]:
    message = getattr(error, "message", None) or str(error) or _("You are not allowed to do this.")
    return Status(status, {"detail": message})


@router.get(
    "plans/{plan_uid}/versions/{number}",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="A version's workflow status and decisions",
)
def version_status(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> Any:
    plan, version = access_version(_user(request), plan_uid, number)
    state = selectors.state_of(version=version)
    return {
        "plan": str(plan.uid),
        "plan_status": plan.status,
        "version": version.number,
        "digest": version.digest,
        "status": state.status if state else None,
        "quorum": state.quorum if state else None,
        "decisions": [_decision_out(d) for d in selectors.decisions_of(version)],
    }


@router.get(
    "keys/mine",
    response={200: dict[str, Any], 404: ErrorOut},
    url_name="validation_my_key",
    summary="The caller's confirmed signing key (with its wrapped private key)",
)
def my_key(request: HttpRequest) -> Any:
    key = selectors.confirmed_key(user=_user(request))
    if key is None:
        raise Http404
    return {
        "uid": str(key.uid),
        "public_key": key.public_key,
        "fingerprint": key.fingerprint,
        "fingerprint_words": key.fingerprint_words,
        "wrapped_private_key": key.wrapped_private_key,
    }


@router.get(
    "plans/{plan_uid}/versions/{number}/statements",
    response={200: list[dict[str, Any]], 404: ErrorOut},
    summary="The statements issued to the caller on this version",
)
def my_statements(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> Any:
    user = _user(request)
    _plan, version = access_version(user, plan_uid, number)
    statements = IssuedStatement.objects.filter(version=version, signer=user).select_related(
        "member_state", "decision"
    )
    return [_statement_out(statement) for statement in statements]


@router.post(
    "plans/{plan_uid}/versions/{number}/statements",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut},
    summary="The statement the caller is to sign (issued once, then always the same bytes)",
)
def statement_issue(
    request: HttpRequest, plan_uid: uuid.UUID, number: int, payload: StatementIn
) -> Any:
    user = _user(request)
    plan, version = access_version(user, plan_uid, number)
    member_state = get_object_or_404(
        MemberState, alliance_id=plan.alliance_id, code=payload.member_state.upper()
    )
    try:
        statement = services.statement_issue(
            version=version, actor=user, kind=payload.decision, member_state=member_state
        )
    except PermissionDenied as error:
        return _refused(error)
    except DjangoValidationError as error:
        return _refused(error, 403)
    return _statement_out(statement)


@router.post(
    "statements/{statement_uid}/signature",
    response={201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a signed decision (the signature over the issued statement, base64)",
)
def signature_submit(request: HttpRequest, statement_uid: uuid.UUID, payload: SignatureIn) -> Any:
    user = _user(request)
    statement = access_statement(user, statement_uid)
    try:
        decision = services.decision_sign(
            statement=statement, actor=user, signature=payload.signature
        )
    except PermissionDenied as error:
        return _refused(error)
    except WorkflowConflict as error:
        return _refused(error, 409)
    except DjangoValidationError as error:
        return Status(422, {"detail": " ".join(error.messages)})
    return Status(201, _decision_out(decision))


@router.post(
    "verify",
    response={200: dict[str, Any], 413: ErrorOut},
    summary="Verify an uploaded bundle, as `liptako verify` does",
)
def bundle_verify(request: HttpRequest, bundle: File[UploadedFile]) -> Any:
    if (bundle.size or 0) > MAX_BUNDLE_BYTES:
        return Status(
            413,
            {
                "detail": _("The file is too large (%(size)s MB at most).")
                % {"size": MAX_BUNDLE_BYTES // (1024 * 1024)}
            },
        )
    return verify_bundle(bundle.read()).as_dict()
