"""Pages of the plans (/plans/): thin views over the plans selectors and services.

Each view: access function → form → service → redirect, or an HTMX fragment for the same URL
(``request.htmx``). Every page works without JavaScript; HTMX only swaps fragments in place
(the outline's filters, an item's row and its edit form, the comments panel).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_AP
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liptako.alliance import selectors as alliance_selectors
from liptako.alliance.models import MemberState
from liptako.core.marking import raise_page_marking
from liptako.core.models import MarkingLevel
from liptako.core.templatetags.liptako import money
from liptako.core.uploads import body_limit
from liptako.plans import selectors, services
from liptako.plans.exceptions import ConflictError
from liptako.plans.forms import (
    FORMS,
    MAX_IMPORT_BYTES,
    CommentForm,
    DiffForm,
    FreezeForm,
    ImportForm,
    MoveForm,
    OutlineFilterForm,
    PlanForm,
    initial_for,
)
from liptako.plans.models import (
    Action,
    Axis,
    Indicator,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
)
from liptako.plans.permissions import access_comment, access_item, access_plan, can
from liptako.plans.roadmap import RoadmapEntry, render_roadmap_svg
from liptako.plans.xlsx import (
    XLSX_CONTENT_TYPE,
    WorkbookUnreadable,
    import_plan_xlsx,
    plan_workbook_for_user,
)

KINDS: dict[str, Any] = {
    "axis": Axis,
    "objective": Objective,
    "action": Action,
    "indicator": Indicator,
    "milestone": Milestone,
}
PARENT_KIND = {
    "axis": None,
    "objective": "axis",
    "action": "objective",
    "indicator": "action",
    "milestone": "action",
}


def _kind(item: Any) -> str:
    return str(item._meta.model_name)


def _flags(user: Any, plan: Plan) -> dict[str, Any]:
    return {
        "plan_url": reverse("plans:plan-detail", args=[plan.uid]),
        "can_edit": can(user, "plans.change_plan", plan),
        "can_edit_details": can(user, "plans.change_plan_details", plan),
        "can_freeze": can(user, "plans.freeze_plan", plan),
        "can_comment": can(user, "plans.comment", plan),
        "can_change_code": can(user, "plans.change_code", plan),
    }


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _filters(form: OutlineFilterForm) -> selectors.ActionFilters:
    if not form.is_valid():
        return selectors.ActionFilters()
    data = form.cleaned_data
    return selectors.ActionFilters(
        axis=uuid.UUID(data["axis"]) if data["axis"] else None,
        lead_state=data["lead_state"],
        partner_state=data["partner_state"],
        priority=data["priority"],
        text=data["q"],
    )


# --- Plans -----------------------------------------------------------------------------------


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_list_for_user(user=request.user)
    page = Paginator(plans, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_add": can(request.user, "plans.add_plan")}
    return render(request, "plans/plan_list.html", context)


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "plans.add_plan"):
        raise PermissionDenied
    alliance = alliance_selectors.alliance_for_user(user=request.user)
    if alliance is None:
        raise Http404
    form = PlanForm(request.POST or None, alliance_id=alliance.pk)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, alliance=alliance, **form.changes())  # type: ignore[arg-type]
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Plan created."))
            return redirect("plans:plan-detail", plan_uid=plan.uid)
    return render(request, "plans/plan_form.html", {"form": form, "title": _("New plan")})


@require_http_methods(["GET", "POST"])
def plan_update(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    if not can(request.user, "plans.change_plan_details", plan):
        raise PermissionDenied
    initial = {
        "lock_version": plan.lock_version,
        "title": plan.title,
        "description": plan.description,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "classification": plan.classification,
        "releasable_to": list(plan.releasable_to.all()),
    }
    form = PlanForm(request.POST or None, initial=initial, alliance_id=plan.alliance_id)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(
                plan=plan,
                actor=request.user,  # type: ignore[arg-type]
                lock_version=form.cleaned_data["lock_version"] or 0,
                data=form.changes(),  # type: ignore[arg-type]
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except ConflictError as error:
            conflict = _conflict_context(error, form)
            form = _rebound(request, error, PlanForm, alliance_id=plan.alliance_id)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("plans:plan-detail", plan_uid=plan.uid)
    context = {"form": form, "plan": plan, "title": _("Edit the plan"), "conflict": conflict}
    return render(request, "plans/plan_form.html", context)


@require_GET
def plan_detail(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    """The outline: axes → objectives → actions, filters, inline editing.

    Actions show how many indicators and milestones they hold; the lists themselves load
    when an action is opened (:func:`item_detail`, ``?partie=enfants``), see
    docs/decisions/0054."""
    plan = access_plan(request.user, plan_uid)
    axes = selectors.outline_axes(plan=plan)
    form = OutlineFilterForm(request.GET or None, plan=plan, axes=axes)
    tree = selectors.plan_outline_for_user(
        user=request.user, plan=plan, filters=_filters(form), axes=axes
    )
    context = {
        "plan": plan,
        "tree": tree,
        "form": form,
        "year": _roadmap_year(plan),
        **_flags(request.user, plan),
    }
    if _fragment_wanted(request):
        return render(request, "plans/_outline.html", context)
    return render(request, "plans/plan_detail.html", context)


def _fragment_wanted(request: HttpRequest) -> bool:
    """An HTMX swap (filters), not HTMX restoring a pushed URL (that needs the full page)."""
    details = getattr(request, "htmx", None)
    return bool(details) and not details.history_restore_request  # type: ignore[union-attr]


def _roadmap_year(plan: Plan) -> int:
    today = timezone.localdate()
    if plan.period_start.year <= today.year <= plan.period_end.year:
        return today.year
    return plan.period_start.year


# --- Items -----------------------------------------------------------------------------------


def _open_comments(plan: Plan, item: Any) -> int:
    return selectors.open_comment_counts(plan=plan).get(item.uid, 0)


def _row_context(request: HttpRequest, plan: Plan, item: Any) -> dict[str, Any]:
    return {
        "plan": plan,
        "item": item,
        "kind": _kind(item),
        "open": _open_comments(plan, item),
        **_flags(request.user, plan),
    }


# ``?partie=enfants`` on an item's URL: the outline asks for an action's children (HTMX).
CHILDREN_PART = "enfants"


@require_GET
def item_detail(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    if item_uid == plan.uid:
        return redirect("plans:comment-list", plan_uid=plan.uid, item_uid=plan.uid)
    item = access_item(request.user, plan, item_uid)
    wants_children = request.GET.get("partie") == CHILDREN_PART
    if request.htmx and wants_children and isinstance(item, Action):  # type: ignore[attr-defined]
        # The outline opening an action: its indicators and milestones. Without JavaScript the
        # same URL is the action's page, which lists them too.
        children = {"plan": plan, "item": item, "children": _children(item)}
        return render(
            request, "plans/_action_children.html", {**children, **_flags(request.user, plan)}
        )
    context = _row_context(request, plan, item)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "plans/_row.html", context)
    context.update(
        {
            "threads": selectors.comment_threads_for_user(
                user=request.user, plan=plan, item_uid=item.uid
            ),
            "comment_form": CommentForm(),
            "children": _children(item),
        }
    )
    return render(request, "plans/item_detail.html", context)


def _children(item: Any) -> dict[str, list[Any]]:
    """Direct children shown on an item's page (visible already: its parent is)."""
    if isinstance(item, Axis):
        return {"objective": list(item.objectives.order_by("position", "id"))}
    if isinstance(item, Action):
        return {
            "indicator": list(item.indicators.order_by("position", "id")),
            "milestone": list(item.milestones.order_by("position", "id")),
        }
    return {}


@dataclass(frozen=True)
class ConflictRow:
    label: str
    theirs: str
    mine: str


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def readable(value: Any) -> str:
    """A JSON field value (audit, conflicts, diffs) as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date_format(dt.date.fromisoformat(value))
    return str(value)


def readable_field(model: Any, name: str, value: Any) -> str:
    """:func:`readable`, knowing the field: amounts as money, choices by their label."""
    if value not in (None, "") and name == "budget_amount":
        return money(Decimal(str(value)))
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except Exception:  # FieldDoesNotExist: a key of a move payload
        choices = {}
    if choices and isinstance(value, str) and value in choices:
        return str(choices[value])
    return readable(value)


def _change(model: Any, name: str, before: Any, after: Any) -> HistoryChange:
    return HistoryChange(
        _field_label(model, name),
        readable_field(model, name, before),
        readable_field(model, name, after),
    )


def _conflict_context(error: ConflictError, form: Any) -> dict[str, Any]:
    rows = []
    for conflict in error.conflicts:
        field = form.fields.get(conflict.field)
        label = str(field.label) if field is not None else conflict.field
        rows.append(ConflictRow(label, readable(conflict.theirs), readable(conflict.mine)))
    return {"message": error.message, "rows": rows, "is_deleted": error.is_deleted}


def _rebound(request: HttpRequest, error: ConflictError, form_class: Any, **kwargs: Any) -> Any:
    """The editor's form with what they typed, ready to save on the current version."""
    data = request.POST.copy()
    if error.current_version is not None:
        data["lock_version"] = str(error.current_version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


@require_http_methods(["GET", "POST"])
def item_update(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    item = access_item(request.user, plan, item_uid, write=True)
    kind = _kind(item)
    form_class = FORMS[kind]
    with_code = can(request.user, "plans.change_code", plan) and kind != "milestone"
    options: dict[str, Any] = {"plan": plan, "with_code": with_code}
    form = form_class(request.POST or None, initial=initial_for(item, form_class), **options)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = getattr(services, f"{kind}_update")(
                **{kind: item},
                actor=request.user,
                lock_version=form.seen_version,
                data=form.changes(),
            )
        except ValidationError as error:
            _apply_errors(form, error)
        except ConflictError as error:
            conflict = _conflict_context(error, form)
            form = _rebound(request, error, form_class, **options)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return render(request, "plans/_row.html", _row_context(request, plan, saved))
            messages.success(request, _("Saved."))
            return redirect(_outline_url(plan, saved))
    context = {
        **_row_context(request, plan, item),
        "form": form,
        "conflict": conflict,
        "action_url": reverse("plans:item-update", args=[plan.uid, item.uid]),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "plans/_edit_form.html", {**context, "inline": True})
    return render(request, "plans/item_form.html", context)


def _outline_url(plan: Plan, item: Any) -> str:
    return reverse("plans:plan-detail", args=[plan.uid]) + f"#row-{item.uid}"


@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, plan_uid: uuid.UUID, kind: str) -> HttpResponse:
    plan = access_plan(request.user, plan_uid, write=True)
    if kind not in KINDS:
        raise Http404
    parent_kind = PARENT_KIND[kind]
    parent: Any = plan
    if parent_kind is not None:
        parent = access_item(request.user, plan, request.GET.get("sous", ""), write=True)
        if _kind(parent) != parent_kind:
            raise Http404
    form_class = FORMS[kind]
    with_code = can(request.user, "plans.change_code", plan) and kind != "milestone"
    initial: dict[str, Any] = {}
    if kind == "action":
        initial = {"start_date": plan.period_start, "end_date": plan.period_end}
    form = form_class(request.POST or None, initial=initial, plan=plan, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        try:
            created = getattr(services, f"{kind}_create")(
                **{parent_kind or "plan": parent}, actor=request.user, data=form.changes()
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Added."))
            return redirect(_outline_url(plan, created))
    context = {
        "plan": plan,
        "form": form,
        "parent": parent if parent_kind else None,
        "kind": kind,
        "title": CREATE_TITLES[kind](),
        **_flags(request.user, plan),
    }
    return render(request, "plans/item_form.html", context)


CREATE_TITLES = {
    "axis": lambda: _("Add a strategic axis"),
    "objective": lambda: _("Add an objective"),
    "action": lambda: _("Add an action"),
    "indicator": lambda: _("Add an indicator"),
    "milestone": lambda: _("Add a milestone"),
}


@require_http_methods(["GET", "POST"])
def item_delete(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    item = access_item(request.user, plan, item_uid, write=True)
    kind = _kind(item)
    if request.method == "POST":
        version = request.POST.get("lock_version", "")
        try:
            getattr(services, f"{kind}_delete")(
                **{kind: item},
                actor=request.user,
                lock_version=int(version) if version.isdigit() else None,
            )
        except ConflictError as error:
            messages.error(request, error.message)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Deleted."))
            return redirect("plans:plan-detail", plan_uid=plan.uid)
    context = {"plan": plan, "item": item, "kind": kind, **_flags(request.user, plan)}
    return render(request, "plans/item_delete.html", context)


@require_POST
def item_move(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    item = access_item(request.user, plan, item_uid, write=True)
    form = MoveForm(request.POST)
    if form.is_valid():
        step = -1 if form.cleaned_data["direction"] == "up" else 1
        position = max(item.position + step, 1)
        try:
            item = services.item_move(item=item, actor=request.user, position=position)  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    return redirect(_outline_url(plan, item))


# --- History and comments --------------------------------------------------------------------

VERB_LABELS = {
    "create": lambda: pgettext("history event", "Created"),
    "update": lambda: pgettext("history event", "Changed"),
    "move": lambda: pgettext("history event", "Moved"),
    "delete": lambda: pgettext("history event", "Deleted"),
    "freeze": lambda: pgettext("history event", "Frozen"),
}


@dataclass(frozen=True)
class HistoryChange:
    label: str
    before: str
    after: str


def _field_label(model: Any, name: str) -> str:
    extra = {"parent": _("parent"), "position": _("position"), "code": _("code")}
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # FieldDoesNotExist: a key of a move payload
        return str(extra.get(name, name))


def _history_rows(model: Any, events: Any) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        payload = event.payload or {}
        action = event.verb.rsplit(".", 1)[-1]
        changes: list[HistoryChange] = []
        for name, change in (payload.get("changes") or {}).items():
            changes.append(_change(model, name, change.get("before"), change.get("after")))
        if action == "move":
            before, after = payload.get("before") or {}, payload.get("after") or {}
            for name in ("position", "code"):
                if before.get(name) != after.get(name):
                    changes.append(_change(model, name, before.get(name), after.get(name)))
        rows.append(
            {
                "event": event,
                "label": VERB_LABELS[action]() if action in VERB_LABELS else event.verb,
                "changes": changes,
            }
        )
    return rows


@require_GET
def item_history(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    item: Any = plan if item_uid == plan.uid else access_item(request.user, plan, item_uid)
    events = selectors.item_history_for_user(user=request.user, plan=plan, item_uid=item_uid)
    page = Paginator(events.select_related("actor"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "plan": plan,
        "item": item,
        "kind": _kind(item),
        "page": page,
        "rows": _history_rows(type(item), page.object_list),
    }
    return render(request, "plans/item_history.html", context)


def _comments_context(
    request: HttpRequest, plan: Plan, item: Any, form: CommentForm | None = None
) -> dict[str, Any]:
    return {
        "plan": plan,
        "item": item,
        "kind": _kind(item),
        "threads": selectors.comment_threads_for_user(
            user=request.user, plan=plan, item_uid=item.uid
        ),
        "comment_form": form or CommentForm(),
        **_flags(request.user, plan),
    }


@require_http_methods(["GET", "POST"])
def comment_list(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> HttpResponse:
    """The comment threads of an item (or of the plan itself), and the form to add one."""
    plan = access_plan(request.user, plan_uid)
    item: Any = plan if item_uid == plan.uid else access_item(request.user, plan, item_uid)
    form = CommentForm(request.POST or None)
    if request.method == "POST":
        if not can(request.user, "plans.comment", plan):
            raise PermissionDenied
        if form.is_valid():
            parent = None
            if form.cleaned_data["parent"]:
                parent = access_comment(request.user, plan, form.cleaned_data["parent"])
            try:
                services.comment_add(
                    plan=plan,
                    actor=request.user,  # type: ignore[arg-type]
                    item_uid=item.uid,
                    body=form.cleaned_data["body"],
                    parent=parent,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if not request.htmx:  # type: ignore[attr-defined]
                    messages.success(request, _("Comment added."))
                    return redirect(_comments_url(plan, item))
                form = CommentForm()
    context = _comments_context(request, plan, item, form)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "plans/_comments.html", context)
    return render(request, "plans/comment_list.html", context)


def _comments_url(plan: Plan, item: Any) -> str:
    if isinstance(item, Plan):
        return reverse("plans:comment-list", args=[plan.uid, plan.uid])
    return reverse("plans:item-detail", args=[plan.uid, item.uid]) + "#comments"


@require_POST
def comment_resolve(
    request: HttpRequest, plan_uid: uuid.UUID, comment_uid: uuid.UUID
) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    comment = access_comment(request.user, plan, comment_uid)
    reopen = request.POST.get("reopen") == "1"
    if reopen:
        services.comment_reopen(comment=comment, actor=request.user)  # type: ignore[arg-type]
    else:
        services.comment_resolve(comment=comment, actor=request.user)  # type: ignore[arg-type]
    item: Any = (
        plan if comment.item_uid == plan.uid else access_item(request.user, plan, comment.item_uid)
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "plans/_comments.html", _comments_context(request, plan, item))
    return redirect(_comments_url(plan, item))


# --- Versions and diffs ----------------------------------------------------------------------


@require_GET
def version_list(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    versions = selectors.version_list_for_user(user=request.user, plan=plan)
    page = Paginator(versions, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"plan": plan, "page": page, "form": FreezeForm(), **_flags(request.user, plan)}
    return render(request, "plans/version_list.html", context)


@require_POST
def version_freeze(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    if not can(request.user, "plans.freeze_plan", plan):
        raise PermissionDenied
    form = FreezeForm(request.POST)
    if not form.is_valid():
        versions = selectors.version_list_for_user(user=request.user, plan=plan)
        page = Paginator(versions, settings.PAGE_SIZE).get_page(1)
        context = {"plan": plan, "page": page, "form": form, **_flags(request.user, plan)}
        return render(request, "plans/version_list.html", context)
    version = services.plan_version_freeze(
        plan=plan,
        actor=request.user,  # type: ignore[arg-type]
        note=form.cleaned_data["note"],
    )
    messages.success(request, _("Version %(number)s frozen.") % {"number": version.number})
    return redirect("plans:version-detail", plan_uid=plan.uid, number=version.number)


def _display_document(document: dict[str, Any]) -> dict[str, Any]:
    """A frozen document with markings as levels, dates and amounts typed (templates)."""
    levels = {level.code: level for level in MarkingLevel.objects.all()}
    states = dict(MemberState.objects.values_list("code", "name"))

    def marking(code: str) -> Any:
        return levels.get(code) or code

    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    plan = {**document["plan"], "classification": marking(document["plan"]["classification"])}
    axes = []
    for axis in document["axes"]:
        objectives = []
        for objective in axis["objectives"]:
            actions = []
            for action in objective["actions"]:
                shown = {**action, "classification": marking(action["classification"])}
                if not action.get("redacted"):
                    shown.update(
                        start_date=day(action["start_date"]),
                        end_date=day(action["end_date"]),
                        budget=Decimal(action["budget_amount"])
                        if action["budget_amount"]
                        else None,
                        lead_state_name=states.get(action["lead_state"], action["lead_state"]),
                        milestones=[
                            {**m, "due_date": day(m["due_date"])} for m in action["milestones"]
                        ],
                    )
                actions.append(shown)
            objectives.append({**objective, "actions": actions})
        axes.append({**axis, "objectives": objectives})
    return {"plan": plan, "axes": axes}


def _version(request: HttpRequest, plan: Plan, number: int) -> PlanVersion:
    return selectors.version_for_user(user=request.user, plan=plan, number=number)


@require_GET
def version_detail(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    version = _version(request, plan, number)
    document = selectors.version_document_for_user(user=request.user, version=version)
    context = {"plan": plan, "version": version, "document": _display_document(document)}
    return render(request, "plans/version_detail.html", context)


def _codes_by_uid(*documents: dict[str, Any]) -> dict[str, str]:
    codes: dict[str, str] = {}
    for document in documents:
        for axis in document["axes"]:
            codes[axis["uid"]] = axis["code"]
            for objective in axis["objectives"]:
                codes[objective["uid"]] = objective["code"]
                for action in objective["actions"]:
                    if "uid" in action:
                        codes[action["uid"]] = action["code"]
    return codes


@require_GET
def plan_diff(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    versions = list(selectors.version_list_for_user(user=request.user, plan=plan)[:200])
    numbers = [version.number for version in versions]
    default_old = str(numbers[0]) if numbers else "draft"
    form = DiffForm(
        request.GET if request.GET else {"ancien": default_old, "nouveau": "draft"},
        numbers=numbers,
    )
    context: dict[str, Any] = {"plan": plan, "form": form}
    if form.is_valid():
        old, new = (
            None if value == "draft" else _version(request, plan, int(value))
            for value in (form.cleaned_data["ancien"], form.cleaned_data["nouveau"])
        )
        diff = selectors.plan_diff_for_user(user=request.user, plan=plan, old=old, new=new)
        documents = [
            selectors.version_document_for_user(user=request.user, version=v)
            if v is not None
            else selectors.plan_document_for_user(user=request.user, plan=plan)
            for v in (old, new)
        ]
        codes = _codes_by_uid(*documents)
        context.update(
            diff=diff,
            old=old,
            new=new,
            sections=_diff_sections(diff, codes),
            plan_changes=[_change(Plan, c.field, c.before, c.after) for c in diff.plan_changes],
            levels={level.code: level for level in MarkingLevel.objects.all()},
        )
    return render(request, "plans/plan_diff.html", context)


def _diff_sections(diff: Any, codes: dict[str, str]) -> list[dict[str, Any]]:
    sections = []
    for key, title in (
        ("added", pgettext("diff section", "Added")),
        ("removed", pgettext("diff section", "Removed")),
        ("moved", pgettext("diff section", "Moved")),
        ("changed", pgettext("diff section", "Changed")),
    ):
        entries = []
        for entry in getattr(diff, key):
            model = KINDS[entry.kind]
            entries.append(
                {
                    "entry": entry,
                    "kind_label": str(model._meta.verbose_name),
                    "changes": [_change(model, c.field, c.before, c.after) for c in entry.changes],
                    "parent_before": codes.get(entry.parent_before or "", ""),
                    "parent_after": codes.get(entry.parent_after or "", ""),
                }
            )
        sections.append({"key": key, "title": title, "entries": entries})
    return sections


# --- Excel -----------------------------------------------------------------------------------


@require_GET
def plan_export(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid)
    number = request.GET.get("version", "")
    version = _version(request, plan, int(number)) if number.isdigit() else None
    workbook = plan_workbook_for_user(user=request.user, plan=plan, version=version)  # type: ignore[arg-type]
    response = HttpResponse(workbook.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook.filename}"'
    return response


def _import_too_large() -> str:
    return _("The file is too large (%(size)s MB at most).") % {
        "size": MAX_IMPORT_BYTES // (1024 * 1024)
    }


@body_limit(MAX_IMPORT_BYTES + 64 * 1024, _import_too_large)
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    plan = access_plan(request.user, plan_uid, write=True)
    context: dict[str, Any] = {"plan": plan, "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    if request.method != "POST":
        context["form"] = ImportForm()
        return render(request, "plans/plan_import.html", context)
    # An oversized upload never gets here: @body_limit refuses it before the body is read.
    form = ImportForm(request.POST, request.FILES)
    context["form"] = form
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = import_plan_xlsx(plan=plan, actor=request.user, content=upload.read())  # type: ignore[arg-type]
        except WorkbookUnreadable as error:
            context["file_error"] = str(error)
        else:
            if report.is_ok:
                messages.success(
                    request,
                    _(
                        "Import done: %(created)s added, %(updated)s changed, %(unchanged)s "
                        "unchanged."
                    )
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
                return redirect("plans:plan-detail", plan_uid=plan.uid)
            context["problems"] = report.problems
    return render(request, "plans/plan_import.html", context, status=200)


# --- Roadmap ---------------------------------------------------------------------------------


def roadmap_entries(
    tree: selectors.PlanTree[selectors.OutlineEntry], year: int
) -> list[RoadmapEntry]:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    entries = []
    for axis_node in tree.axes:
        label = f"{axis_node.axis.code} {axis_node.axis.title}"
        for objective_node in axis_node.objectives:
            for entry in objective_node.actions:
                if isinstance(entry, selectors.RedactedAction):
                    entries.append(
                        RoadmapEntry(
                            axis=label,
                            code=entry.code,
                            marking=entry.classification.code,
                            is_redacted=True,
                        )
                    )
                    continue
                if entry.end_date < first or entry.start_date > last:
                    continue
                entries.append(
                    RoadmapEntry(
                        axis=label,
                        code=entry.code,
                        title=entry.title,
                        lead_state=entry.lead_state_code,
                        start=entry.start_date,
                        end=entry.end_date,
                    )
                )
    return entries


def document_roadmap_entries(
    pairs: list[tuple[dict[str, Any], dict[str, Any]]], year: int
) -> list[RoadmapEntry]:
    """The roadmap's entries of a frozen document's (axis, action) pairs
    (:func:`selectors.document_actions`), as :func:`roadmap_entries` for the live draft."""
    first, last = dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()
    entries = []
    for axis, action in pairs:
        label = f"{axis['code']} {axis['title']}"
        if action.get("redacted"):
            entries.append(
                RoadmapEntry(
                    axis=label,
                    code=action["code"],
                    marking=action["classification"],
                    is_redacted=True,
                )
            )
        elif action["end_date"] >= first and action["start_date"] <= last:  # ISO dates
            entries.append(
                RoadmapEntry(
                    axis=label,
                    code=action["code"],
                    title=action["title"],
                    lead_state=action["lead_state"],
                    start=dt.date.fromisoformat(action["start_date"]),
                    end=dt.date.fromisoformat(action["end_date"]),
                )
            )
    return entries


# ``?version=brouillon`` on the roadmap: the live draft even when a version is in force.
DRAFT_PARAMETER = "brouillon"


@require_GET
def roadmap(request: HttpRequest, plan_uid: uuid.UUID, year: int) -> HttpResponse:
    """The roadmap of a year: of the version in force once one is adopted (with a link to the
    live draft), else of the live draft (docs/decisions/0111)."""
    plan = access_plan(request.user, plan_uid)
    if not (plan.period_start.year - 1 <= year <= plan.period_end.year + 1):
        raise Http404
    axes = selectors.outline_axes(plan=plan)
    form = OutlineFilterForm(request.GET or None, plan=plan, axes=axes)
    filters = _filters(form)
    adopted = selectors.adopted_version_for_user(user=request.user, plan=plan)
    shows_draft = adopted is None or request.GET.get("version") == DRAFT_PARAMETER
    if adopted is not None and not shows_draft:
        document = selectors.version_document_for_user(user=request.user, version=adopted)
        shown = selectors.document_actions(document, filters)
        entries = document_roadmap_entries(shown, year)
        levels = {level.code: level for level in MarkingLevel.objects.all()}
        codes = {document["plan"]["classification"]} | {
            action["classification"] for _axis, action in shown if not action.get("redacted")
        }
        for code in codes:
            raise_page_marking(request, levels.get(code))
    else:
        tree = selectors.plan_outline_for_user(
            user=request.user, plan=plan, filters=filters, axes=axes
        )
        entries = roadmap_entries(tree, year)
        raise_page_marking(request, plan.classification)
        for entry in tree.actions:
            if not entry.is_redacted:
                raise_page_marking(request, entry.classification)
    states = dict(
        MemberState.objects.filter(alliance_id=plan.alliance_id).values_list("code", "name")
    )
    svg = render_roadmap_svg(
        entries,
        year=year,
        today=timezone.localdate(),
        month_names=[str(MONTHS_AP[month]) for month in range(1, 13)],
        state_names=states,
        title=_("Roadmap %(year)s — %(plan)s") % {"year": year, "plan": plan.title},
        redacted_label=_("(restricted action)"),
        legend_label=_("Lead state:"),
        today_label=_("Today"),
        embed_style=False,
    )
    context = {
        "plan": plan,
        "year": year,
        "year_label": str(year),
        "form": form,
        "svg": svg,
        "count": len(entries),
        "previous_year": year - 1 if year > plan.period_start.year else None,
        "next_year": year + 1 if year < plan.period_end.year else None,
        "adopted": adopted,
        "shows_draft": shows_draft,
        # Carried by the filters and the year links, so that the reader stays on the draft.
        "draft_query": f"?version={DRAFT_PARAMETER}" if adopted and shows_draft else "",
        "draft_parameter": DRAFT_PARAMETER,
    }
    if _fragment_wanted(request):
        return render(request, "plans/_roadmap.html", context)
    return render(request, "plans/roadmap.html", context)
