"""Pages of the validation workflow (/validation/): thin views over selectors and services."""

from __future__ import annotations

import base64
import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liptako.accounts.models import User
from liptako.alliance.models import Alliance, MemberState
from liptako.core.marking import raise_page_marking
from liptako.core.uploads import body_limit
from liptako.plans.permissions import access_plan
from liptako.plans.selectors import (
    plan_diff_for_user,
    version_for_user,
    version_list_for_user,
)
from liptako.validation import selectors, services
from liptako.validation.forms import (
    MAX_BUNDLE_BYTES,
    MAX_SIGNATURE_BODY_BYTES,
    BundleUploadForm,
    KeyRegisterForm,
    QuorumForm,
    ReasonForm,
    RequestChangesForm,
    SignatureForm,
    apply_service_errors,
)
from liptako.validation.models import (
    DecisionKind,
    KeyStatus,
    QuorumRule,
    SigningKey,
    VersionStatus,
)
from liptako.validation.offline import verify_bundle
from liptako.validation.permissions import access_key, access_statement, access_version
from liptako.validation.workflow import WorkflowConflict


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware lets no anonymous request reach these views.
    return cast(User, request.user)


def _refusal(request: HttpRequest, error: Exception) -> None:
    message = getattr(error, "message", None) or str(error) or _("You are not allowed to do this.")
    messages.error(request, message)


def _plan_url(plan: Any) -> str:
    return reverse("validation:plan", args=[plan.uid])


def _counts(document: dict[str, Any]) -> dict[str, int]:
    axes = document.get("axes", [])
    objectives = [o for a in axes for o in a.get("objectives", [])]
    actions = [x for o in objectives for x in o.get("actions", [])]
    return {
        "axes": len(axes),
        "objectives": len(objectives),
        "actions": len(actions),
        "indicators": sum(len(x.get("indicators", [])) for x in actions),
    }


def plan_workflow(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(_user(request), plan_uid)
    raise_page_marking(request, plan.classification)
    page = Paginator(
        version_list_for_user(user=_user(request), plan=plan), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    states = selectors.states_of_plan(plan=plan)
    decisions: dict[int, list[Any]] = {}
    for decision in selectors.decisions_for_versions([v.pk for v in page]):
        decisions.setdefault(decision.version_id, []).append(decision)
    rows = [(v, states.get(v.pk), decisions.get(v.pk, [])) for v in page]
    awaited = [
        a for a in selectors.awaiting_user(user=_user(request)) if a.state.plan_id == plan.pk
    ]
    latest = version_list_for_user(user=_user(request), plan=plan).first()
    latest_unsent = (
        latest if latest is not None and plan.is_editable and latest.pk not in states else None
    )
    return render(
        request,
        "validation/plan.html",
        {
            "plan": plan,
            "page": page,
            "rows": rows,
            "awaited": awaited,
            "latest_unsent": latest_unsent,
            "in_force": selectors.version_in_force(plan=plan),
            "can_manage": _user(request).has_perm("validation.manage"),
            "return_form": ReasonForm(),
        },
    )


def _secretariat_action(request: HttpRequest, plan_uid: uuid.UUID, action: Any) -> HttpResponse:
    plan = access_plan(_user(request), plan_uid)
    try:
        action(plan)
    except (PermissionDenied, WorkflowConflict) as error:
        _refusal(request, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_plan_url(plan))


@require_POST
def plan_open(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    def action(plan: Any) -> None:
        number = request.POST.get("version", "")
        version = (
            version_for_user(user=_user(request), plan=plan, number=int(number))
            if number.isdigit()
            else None
        )
        state = services.validation_open(
            plan=plan, actor=_user(request), note=request.POST.get("note", ""), version=version
        )
        messages.success(
            request,
            _("Version %(number)s is frozen and sent to validation.")
            % {"number": state.version.number},
        )

    return _secretariat_action(request, plan_uid, action)


@require_POST
def plan_withdraw(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    def action(plan: Any) -> None:
        services.validation_withdraw(
            plan=plan, actor=_user(request), reasons=request.POST.get("reasons", "")
        )
        messages.success(request, _("The version is withdrawn: the plan is drafted again."))

    return _secretariat_action(request, plan_uid, action)


@require_POST
def version_submit(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    _plan, version = access_version(_user(request), plan_uid, number)

    def action(plan: Any) -> None:
        services.version_submit(version=version, actor=_user(request))
        messages.success(request, _("The version is submitted to the heads of state."))

    return _secretariat_action(request, plan_uid, action)


@require_POST
def plan_revise(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    def action(plan: Any) -> None:
        services.plan_revise(plan=plan, actor=_user(request))
        messages.success(
            request, _("A revision is open: the adopted version stays in force meanwhile.")
        )

    return _secretariat_action(request, plan_uid, action)


@require_POST
def plan_close(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    def action(plan: Any) -> None:
        services.plan_close(
            plan=plan, actor=_user(request), reasons=request.POST.get("reasons", "")
        )
        messages.success(request, _("The plan is closed."))

    return _secretariat_action(request, plan_uid, action)


def _member_state(plan: Any, code: str) -> MemberState:
    return get_object_or_404(MemberState, alliance_id=plan.alliance_id, code=code.upper())


def _signing_refusal(
    *, statement: Any, version: Any, user: User, kind: str, member_state: MemberState
) -> str:
    """Why ``user`` cannot sign here ("" when they can); reads only."""
    if statement is not None and hasattr(statement, "decision"):
        return _("You have already signed this statement.")
    try:
        services.decision_role(
            state=selectors.state_of(version=version),
            actor=user,
            kind=kind,
            member_state=member_state,
        )
    except PermissionDenied as error:
        return str(error)
    return ""


def _signature_too_large() -> str:
    return _("The signature is too large: a signature is 64 bytes, or 88 characters in base64.")


def _bundle_too_large() -> str:
    return _("The file is too large (%(size)s MB at most).") % {
        "size": MAX_BUNDLE_BYTES // (1024 * 1024)
    }


@body_limit(MAX_SIGNATURE_BODY_BYTES, _signature_too_large)
@require_http_methods(["GET", "POST"])
def version_sign(
    request: HttpRequest, plan_uid: uuid.UUID, number: int, state_code: str, kind: str
) -> HttpResponse:
    """The signing page: what is signed, the diff, the statement; signature in the browser
    (signing.js) or uploaded from `liptako sign`.

    GET only reads. The statement is issued by an explicit POST ("issue"), then the page
    offers it to sign; a POST with a signature records the decision (decision 0120)."""
    plan, version = access_version(_user(request), plan_uid, number)
    if kind not in (DecisionKind.APPROVE, DecisionKind.ADOPT):
        raise Http404
    member_state = _member_state(plan, state_code)
    raise_page_marking(request, plan.classification)
    user = _user(request)
    statement = selectors.issued_statement(
        version=version, signer=user, kind=kind, member_state=member_state
    )
    refusal = _signing_refusal(
        statement=statement, version=version, user=user, kind=kind, member_state=member_state
    )
    form = SignatureForm()
    if request.method == "POST" and refusal:
        messages.error(request, refusal)
    elif request.method == "POST" and "issue" in request.POST:
        try:
            services.statement_issue(
                version=version, actor=user, kind=kind, member_state=member_state
            )
        except PermissionDenied as error:  # the workflow moved since the page was read
            _refusal(request, error)
        return redirect(request.path)
    elif request.method == "POST" and statement is None:
        messages.error(request, _("Prepare the statement first: only what was issued is signed."))
        return redirect(request.path)
    elif request.method == "POST" and statement is not None:
        form = SignatureForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.decision_sign(
                    statement=statement, actor=user, signature=form.cleaned_data["raw_signature"]
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except (PermissionDenied, WorkflowConflict) as error:
                _refusal(request, error)
                return redirect(request.path)
            else:
                messages.success(request, _("Your signature is recorded."))
                return redirect(_plan_url(plan))
    last = selectors.last_approved_by_state(version=version, member_state=member_state)
    diff = plan_diff_for_user(user=user, plan=plan, old=last, new=version) if last else None
    key = selectors.confirmed_key(user=user)
    return render(
        request,
        "validation/sign.html",
        {
            "plan": plan,
            "version": version,
            "state": selectors.state_of(version=version),
            "member_state": member_state,
            "kind": kind,
            "statement": None if refusal else statement,
            "statement_b64": _b64(statement.data) if statement and not refusal else "",
            "refusal": refusal,
            "form": form,
            "counts": _counts(version.content),
            "highest": services.highest_marking(version),
            "last_approved": last,
            "diff": diff,
            "key": key,
            "pending_key": SigningKey.objects.filter(holder=user, status=KeyStatus.PENDING).first(),
        },
        status=400 if form.errors else 200,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def statement_download(request: HttpRequest, statement_uid: uuid.UUID) -> HttpResponse:
    statement = access_statement(_user(request), statement_uid)
    response = HttpResponse(statement.data, content_type="application/json")
    name = f"statement-v{statement.version.number}-{statement.member_state.code}-{statement.kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@require_http_methods(["GET", "POST"])
def version_request_changes(
    request: HttpRequest, plan_uid: uuid.UUID, number: int, state_code: str
) -> HttpResponse:
    plan, version = access_version(_user(request), plan_uid, number)
    member_state = _member_state(plan, state_code)
    codes = _codes(version.content)
    form = RequestChangesForm(request.POST or None, codes=codes)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_request_changes(
                version=version,
                actor=_user(request),
                member_state=member_state,
                reasons=form.cleaned_data["reasons"],
                item_reasons=form.cleaned_data["item_reasons"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except (PermissionDenied, WorkflowConflict) as error:
            _refusal(request, error)
            return redirect(_plan_url(plan))
        else:
            messages.success(request, _("Changes are requested: the plan is drafted again."))
            return redirect(_plan_url(plan))
    return render(
        request,
        "validation/request_changes.html",
        {"plan": plan, "version": version, "member_state": member_state, "form": form},
        status=400 if form.errors else 200,
    )


def _codes(document: dict[str, Any]) -> dict[str, uuid.UUID]:
    codes: dict[str, uuid.UUID] = {}

    def walk(items: list[dict[str, Any]], children: tuple[str, ...]) -> None:
        for item in items:
            if item.get("code") and item.get("uid"):
                codes[item["code"]] = uuid.UUID(item["uid"])
            for child in children:
                walk(item.get(child, []), ("objectives", "actions", "indicators"))

    walk(document.get("axes", []), ("objectives", "actions", "indicators"))
    return codes


@require_POST
def version_return(
    request: HttpRequest, plan_uid: uuid.UUID, number: int, state_code: str
) -> HttpResponse:
    plan, version = access_version(_user(request), plan_uid, number)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the plan is returned."))
        return redirect(_plan_url(plan))
    try:
        services.version_return(
            version=version,
            actor=_user(request),
            member_state=_member_state(plan, state_code),
            reasons=form.cleaned_data["reasons"],
        )
    except (PermissionDenied, WorkflowConflict) as error:
        _refusal(request, error)
    else:
        messages.success(request, _("The plan is returned to drafting."))
    return redirect(_plan_url(plan))


def version_bundle(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    """The bundle moved to the documents (it holds the PDF): the old address still works."""
    _plan, version = access_version(_user(request), plan_uid, number)
    url = reverse("documents:version-bundle", args=[version.plan.uid, version.number])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


# --- Keys ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def key_list(request: HttpRequest) -> HttpResponse:
    """The user's keys: register one (in the browser or from `liptako keygen`), revoke."""
    if not _user(request).has_perm("validation.hold_key"):
        raise PermissionDenied
    form = KeyRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.signing_key_register(
                actor=_user(request),
                public_key=form.cleaned_data["public_key"],
                wrapped_private_key=form.cleaned_data["wrapped_private_key"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your key is registered. Read its fingerprint to the secretariat, who will "
                    "confirm it: %(words)s"
                )
                % {"words": key.fingerprint_words},
            )
            return redirect("validation:key-list")
    return render(
        request,
        "validation/keys.html",
        {"form": form, "keys": selectors.keys_of(user=_user(request))},
        status=400 if form.errors else 200,
    )


@require_POST
def key_revoke(request: HttpRequest, key_uid: uuid.UUID) -> HttpResponse:
    key = access_key(_user(request), key_uid, write=True)
    try:
        services.signing_key_revoke(
            key=key, actor=_user(request), reason=request.POST.get("reason", "")
        )
    except (PermissionDenied, WorkflowConflict) as error:
        _refusal(request, error)
    else:
        messages.success(request, _("The key is revoked."))
    if key.holder_id == _user(request).pk:
        return redirect("validation:key-list")
    return redirect("validation:key-register")


def key_register(request: HttpRequest) -> HttpResponse:
    """The secretariat's register of keys: confirm after comparing the fingerprint words."""
    if not _user(request).has_perm("validation.manage"):
        raise PermissionDenied
    keys = (
        selectors.keys_for_secretariat()
        .annotate(
            pending_first=Case(
                When(status=KeyStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at")
    )
    page = Paginator(keys, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "validation/key_register.html", {"page": page})


@require_POST
def key_confirm(request: HttpRequest, key_uid: uuid.UUID) -> HttpResponse:
    key = access_key(_user(request), key_uid)
    try:
        services.signing_key_confirm(key=key, actor=_user(request))
    except (PermissionDenied, WorkflowConflict) as error:
        _refusal(request, error)
    else:
        messages.success(request, _("The key of %(holder)s is confirmed.") % {"holder": key.holder})
    return redirect("validation:key-register")


# --- Quorum and verification -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def quorum_edit(request: HttpRequest) -> HttpResponse:
    if not _user(request).has_perm("validation.manage"):
        raise PermissionDenied
    alliance = Alliance.objects.order_by("pk").first()
    if alliance is None:
        raise Http404
    states = list(MemberState.objects.filter(alliance=alliance).order_by("name"))
    rule = services.quorum_rule_for(alliance)
    stored = QuorumRule.objects.filter(alliance=alliance).first()
    initial: dict[str, Any] = {
        "lock_version": stored.lock_version if stored else 0,
        "adoption_role": rule["adoption"]["role"],
    }
    for entry in rule["validation"]:
        initial[f"count_{entry['member_state']}_{entry['role']}"] = entry["count"]
    form = QuorumForm(request.POST or None, initial=initial, member_states=states)
    if request.method == "POST" and form.is_valid():
        try:
            services.quorum_rule_update(
                alliance=alliance,
                actor=_user(request),
                lock_version=form.cleaned_data["lock_version"],
                validation=form.validation(),
                adoption_role=form.cleaned_data["adoption_role"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except WorkflowConflict as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The quorum is saved."))
            return redirect("validation:quorum")
    return render(
        request,
        "validation/quorum.html",
        {"form": form, "alliance": alliance, "rule": rule},
        status=400 if form.errors else 200,
    )


@body_limit(MAX_BUNDLE_BYTES + 64 * 1024, _bundle_too_large)
@require_http_methods(["GET", "POST"])
def bundle_verify(request: HttpRequest) -> HttpResponse:
    # An oversized upload never gets here: @body_limit refuses it before the body is read.
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = verify_bundle(form.cleaned_data["bundle"].read())
    return render(request, "validation/verify.html", {"form": form, "report": report})


def version_status_label(status: str) -> str:
    return str(dict(VersionStatus.choices).get(status, status))
