"""API operations of the plans app (thin adapters over its services and selectors).

Reads: plans, the tree of a plan (hidden actions as redacted entries), actions (filtered,
paginated), versions, a version's content, the diff of two versions (or a version and the
live draft), an item's history and comments. Writes: create, update (with ``lock_version``),
delete and move draft items, comment — through the same services as the pages.
Errors: 403/404 as the access functions say, 409 on an edit conflict (both values), 422 with
field messages on invalid input (docs/decisions/0048-plans-api.md).

No ``from __future__ import annotations`` here: django-ninja reads the annotations at run time.
"""

import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import BaseModel
from pydantic import Field as PydanticField

from liptako.plans import selectors, services
from liptako.plans.exceptions import ConflictError, ItemNotFound
from liptako.plans.models import Action, Axis, Comment, Indicator, Milestone, Objective, Plan
from liptako.plans.permissions import access_comment, access_item, access_plan, can
from liptako.plans.references import References
from liptako.plans.snapshot import (
    action_fields,
    axis_fields,
    indicator_fields,
    milestone_fields,
    objective_fields,
    plan_fields,
)
from liptako.plans.xlsx import XLSX_CONTENT_TYPE, plan_workbook_for_user

router = Router(tags=["plans"])

# What ninja's JSON renderer answers with, for the operations that build their own body.
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


# --- Schemas ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class ConflictFieldOut(Schema):
    field: str
    theirs: Any
    mine: Any


class ConflictOut(Schema):
    detail: str
    uid: str
    seen_version: int
    current_version: int | None
    conflicts: list[ConflictFieldOut]


class PlanOut(Schema):
    uid: str
    title: str
    description: str
    alliance: str
    period_start: str
    period_end: str
    status: str
    classification: str
    releasable_to: list[str]
    lock_version: int


class MilestoneOut(Schema):
    uid: str
    position: int
    title: str
    due_date: str
    lock_version: int


class IndicatorOut(Schema):
    uid: str
    code: str
    position: int
    name: str
    measure: str
    unit: str
    direction: str
    time_aggregation: str
    state_aggregation: str
    baseline_value: str | None
    baseline_text: str
    baseline_date: str | None
    target_value: str | None
    target_text: str
    tolerance: str | None
    means_of_verification: str
    lock_version: int


class ActionOut(Schema):
    uid: str
    code: str
    position: int
    title: str
    description: str
    lead_state: str
    partner_states: list[str]
    responsible_organisation: str | None
    responsible_organisation_id: int | None
    start_date: str
    end_date: str
    budget_amount: str | None
    budget_currency: str
    priority: str
    classification: str
    releasable_to: list[str]
    lock_version: int
    open_comments: int = 0
    indicators: list[IndicatorOut] = []
    milestones: list[MilestoneOut] = []


class RedactedActionOut(Schema):
    """An action the caller may not see: its code and marking only."""

    redacted: bool = True
    code: str
    classification: str


class ObjectiveOut(Schema):
    uid: str
    code: str
    position: int
    title: str
    description: str
    lock_version: int
    open_comments: int = 0
    actions: list[ActionOut | RedactedActionOut] = []


class AxisOut(Schema):
    uid: str
    code: str
    position: int
    title: str
    description: str
    lock_version: int
    open_comments: int = 0
    objectives: list[ObjectiveOut] = []


class PlanTreeOut(Schema):
    plan: PlanOut
    open_comments: int
    can_edit: bool
    can_freeze: bool
    axes: list[AxisOut]


# The list's rows are the selector's typed dicts, validated by pydantic as they are, without
# ninja's per-field attribute resolver (a ``Schema``), which cost more than the query itself on
# a page of 100 actions (docs/decisions/0110).


class ActionPageOut(BaseModel):
    count: int
    page: int
    pages: int
    items: list[
        Annotated[
            selectors.ActionRow | selectors.RedactedRow, PydanticField(discriminator="redacted")
        ]
    ]


class VersionOut(Schema):
    number: int
    digest: str
    author: str
    created_at: datetime.datetime
    note: str


class VersionContentOut(VersionOut):
    content: dict[str, Any]


class HistoryEventOut(Schema):
    sequence: int
    occurred_at: datetime.datetime
    actor: str
    verb: str
    payload: dict[str, Any]


class CommentOut(Schema):
    uid: str
    author: str
    body: str
    created_at: datetime.datetime
    resolved: bool
    resolved_by: str | None
    replies: list["CommentOut"] = []


class AxisIn(Schema):
    title: str
    description: str = ""
    code: str = ""


class AxisPatch(Schema):
    lock_version: int
    title: str | None = None
    description: str | None = None
    code: str | None = None


class ObjectiveIn(AxisIn):
    axis: uuid.UUID


class ObjectivePatch(AxisPatch):
    pass


class ActionIn(Schema):
    objective: uuid.UUID
    title: str
    description: str = ""
    lead_state: str = Field(..., description="ISO code of the lead member state, e.g. MLI")
    partner_states: list[str] = []
    responsible_organisation: int | None = None
    start_date: datetime.date
    end_date: datetime.date
    budget_amount: Decimal | None = None
    budget_currency: str = "XOF"
    priority: str = "medium"
    classification: str | None = Field(None, description="Marking code, e.g. NP, DR")
    releasable_to: list[str] = []
    code: str = ""


class ActionPatch(Schema):
    lock_version: int
    title: str | None = None
    description: str | None = None
    lead_state: str | None = None
    partner_states: list[str] | None = None
    responsible_organisation: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    budget_amount: Decimal | None = None
    budget_currency: str | None = None
    priority: str | None = None
    classification: str | None = None
    releasable_to: list[str] | None = None
    code: str | None = None


class IndicatorIn(Schema):
    action: uuid.UUID
    name: str
    measure: str = "number"
    unit: str = ""
    direction: str = "increase"
    time_aggregation: str = "cumulative"
    state_aggregation: str = "sum"
    baseline_value: Decimal | None = None
    baseline_text: str = ""
    baseline_date: datetime.date | None = None
    target_value: Decimal | None = None
    target_text: str = ""
    tolerance: Decimal | None = None
    means_of_verification: str = ""
    code: str = ""


class IndicatorPatch(Schema):
    lock_version: int
    name: str | None = None
    measure: str | None = None
    unit: str | None = None
    direction: str | None = None
    time_aggregation: str | None = None
    state_aggregation: str | None = None
    baseline_value: Decimal | None = None
    baseline_text: str | None = None
    baseline_date: datetime.date | None = None
    target_value: Decimal | None = None
    target_text: str | None = None
    tolerance: Decimal | None = None
    means_of_verification: str | None = None
    code: str | None = None


class MilestoneIn(Schema):
    action: uuid.UUID
    title: str
    due_date: datetime.date


class MilestonePatch(Schema):
    lock_version: int
    title: str | None = None
    due_date: datetime.date | None = None


class MoveIn(Schema):
    position: int = Field(..., ge=1, description="1-based place among the siblings")
    parent: uuid.UUID | None = Field(
        None, description="New parent (axis, objective or action uid); default: the same"
    )


class FreezeIn(Schema):
    note: str = ""


class CommentIn(Schema):
    body: str
    parent: uuid.UUID | None = None


class ActionFilterQuery(Schema):
    axis: uuid.UUID | None = None
    lead_state: str = ""
    partner_state: str = ""
    priority: str = ""
    q: str = ""
    page: int = 1


# --- Helpers ---------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    """The caller: what the API's authentication returned, else the session's user."""
    auth = getattr(request, "auth", None)
    return auth if getattr(auth, "is_authenticated", False) else request.user


def _plan_out(plan: Plan) -> dict[str, Any]:
    return {**plan_fields(plan), "status": plan.status, "lock_version": plan.lock_version}


def _milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {**milestone_fields(milestone), "lock_version": milestone.lock_version}


def _indicator_out(indicator: Indicator) -> dict[str, Any]:
    return {**indicator_fields(indicator), "lock_version": indicator.lock_version}


def _action_out(
    action: Action,
    *,
    indicators: list[Indicator] | None = None,
    milestones: list[Milestone] | None = None,
    open_comments: int = 0,
) -> dict[str, Any]:
    return {
        **action_fields(action),
        "responsible_organisation_id": action.responsible_organisation_id,
        "lock_version": action.lock_version,
        "open_comments": open_comments,
        "indicators": [_indicator_out(i) for i in indicators or []],
        "milestones": [_milestone_out(m) for m in milestones or []],
    }


def _entry_out(entry: selectors.ActionEntry) -> dict[str, Any]:
    if isinstance(entry, selectors.RedactedAction):
        return entry.as_dict()
    return _action_out(
        entry.action,
        indicators=entry.indicators,
        milestones=entry.milestones,
        open_comments=entry.open_comments,
    )


def _validation_response(error: DjangoValidationError) -> Status[dict[str, Any]]:
    errors = []
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                errors.append({"loc": ["body", field], "msg": message, "type": "value_error"})
    else:
        for message in error.messages:
            errors.append({"loc": ["body"], "msg": message, "type": "value_error"})
    return Status(422, {"detail": _("The request is not valid."), "errors": errors})


def _write(call: Callable[[], Any], render: Callable[[Any], Any], status: int = 200) -> Any:
    """Run a service; map its errors to 409 (conflict) and 422 (validation)."""
    try:
        result = call()
    except ConflictError as conflict:
        return Status(409, conflict.as_dict())
    except DjangoValidationError as error:
        return _validation_response(error)
    return Status(status, render(result))


def _action_data(plan: Plan, values: dict[str, Any]) -> dict[str, Any]:
    """Turn the codes and ids of an action payload into model instances (422 if unknown)."""
    references = References(plan)
    data = references.action_data(values)
    references.check()
    return data


def _patch_values(payload: Schema) -> tuple[int, dict[str, Any]]:
    values = payload.dict(exclude_unset=True)
    return values.pop("lock_version"), values


def _item(request: HttpRequest, plan: Plan, item_uid: uuid.UUID, model: type) -> Any:
    item = access_item(_user(request), plan, item_uid)
    if not isinstance(item, model):
        raise ItemNotFound
    return item


def _delete(call: Callable[[], Any]) -> Any:
    try:
        call()
    except ConflictError as conflict:
        return Status(409, conflict.as_dict())
    return Status(204, None)


WRITE = {
    200: dict[str, Any],
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: ValidationErrorOut,
}
CREATE = {201: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
DELETE = {204: None, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut}


# --- Reads -----------------------------------------------------------------------------------


@router.get("", response=list[PlanOut], summary="Plans the caller may see")
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_plans(request: HttpRequest) -> Any:
    return [_plan_out(plan) for plan in selectors.plan_list_for_user(user=_user(request))]


@router.get(
    "/{plan_uid}",
    response={200: PlanTreeOut, 404: ErrorOut},
    summary="The live draft: axes, objectives, actions, indicators, milestones",
)
def get_plan_tree(request: HttpRequest, plan_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    tree = selectors.plan_tree_for_user(user=user, plan=plan)
    return {
        "plan": _plan_out(plan),
        "open_comments": tree.open_comments,
        "can_edit": can(user, "plans.change_plan", plan),
        "can_freeze": can(user, "plans.freeze_plan", plan),
        "axes": [
            {
                **axis_fields(axis_node.axis),
                "lock_version": axis_node.axis.lock_version,
                "open_comments": axis_node.open_comments,
                "objectives": [
                    {
                        **objective_fields(node.objective),
                        "lock_version": node.objective.lock_version,
                        "open_comments": node.open_comments,
                        "actions": [_entry_out(entry) for entry in node.actions],
                    }
                    for node in axis_node.objectives
                ],
            }
            for axis_node in tree.axes
        ],
    }


@router.get(
    "/{plan_uid}/actions",
    response={200: ActionPageOut, 404: ErrorOut},
    summary="Actions in plan order, filtered (q ignores case and accents), paginated: each "
    "action's own fields and counts",
)
def list_actions(
    request: HttpRequest, plan_uid: uuid.UUID, filters: Query[ActionFilterQuery]
) -> Any:
    # The plan is looked up by the rows query itself (404 when the caller may not see it).
    page = selectors.action_row_page_for_plan_uid(
        user=_user(request),
        plan_uid=plan_uid,
        filters=selectors.ActionFilters(
            axis=filters.axis,
            lead_state=filters.lead_state.upper(),
            partner_state=filters.partner_state.upper(),
            priority=filters.priority,
            text=filters.q,
        ),
        page=filters.page,
    )
    # Validated against the declared schema (ActionPageOut) and serialised by pydantic in one
    # pass: ninja would validate, dump to dicts, then encode with json.dumps (decision 0200).
    body = ActionPageOut.model_validate(
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "items": page.object_list,
        }
    ).model_dump_json()
    return HttpResponse(body, content_type=JSON_CONTENT_TYPE)


def _version_out(version: Any) -> dict[str, Any]:
    return {
        "number": version.number,
        "digest": version.digest,
        "author": str(version.author),
        "created_at": version.created_at,
        "note": version.note,
    }


@router.get(
    "/{plan_uid}/versions",
    response={200: list[VersionOut], 404: ErrorOut},
    summary="Frozen versions, newest first",
)
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def list_versions(request: HttpRequest, plan_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    return [_version_out(v) for v in selectors.version_list_for_user(user=user, plan=plan)]


@router.get(
    "/{plan_uid}/versions/{number}",
    response={200: VersionContentOut, 404: ErrorOut},
    summary="A frozen version and its content (actions the caller may not see redacted)",
)
def get_version(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    version = selectors.version_for_user(user=user, plan=plan, number=number)
    return {
        **_version_out(version),
        "content": selectors.version_document_for_user(user=user, version=version),
    }


@router.get(
    "/{plan_uid}/diff",
    response={200: dict[str, Any], 404: ErrorOut},
    summary="Differences between two versions; 'draft' stands for the live draft",
)
def get_diff(
    request: HttpRequest,
    plan_uid: uuid.UUID,
    old: str = Query(..., alias="from", description="A version number, or 'draft'"),
    new: str = Query("draft", alias="to", description="A version number, or 'draft'"),
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)

    def version(value: str) -> Any:
        if value == "draft":
            return None
        if not value.isdigit():
            raise ItemNotFound
        return selectors.version_for_user(user=user, plan=plan, number=int(value))

    diff = selectors.plan_diff_for_user(user=user, plan=plan, old=version(old), new=version(new))
    return diff.as_dict()


@router.get(
    "/{plan_uid}/items/{item_uid}/history",
    response={200: list[HistoryEventOut], 404: ErrorOut},
    summary="Who changed an item, what and when (from the audit log)",
)
@paginate(PageNumberPagination, page_size=settings.PAGE_SIZE)
def get_history(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    return [
        {
            "sequence": event.sequence,
            "occurred_at": event.occurred_at,
            "actor": event.actor_label,
            "verb": event.verb,
            "payload": event.payload,
        }
        for event in selectors.item_history_for_user(user=user, plan=plan, item_uid=item_uid)
    ]


def _comment_out(comment: Comment, *, with_replies: bool = True) -> dict[str, Any]:
    return {
        "uid": str(comment.uid),
        "author": str(comment.author),
        "body": comment.body,
        "created_at": comment.created_at,
        "resolved": comment.is_resolved,
        "resolved_by": str(comment.resolved_by) if comment.resolved_by else None,
        "replies": [_comment_out(r, with_replies=False) for r in comment.replies.all()]
        if with_replies
        else [],
    }


@router.get(
    "/{plan_uid}/items/{item_uid}/comments",
    response={200: list[CommentOut], 404: ErrorOut},
    summary="Comment threads on an item (or on the plan: its own uid)",
)
def list_comments(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    threads = selectors.comment_threads_for_user(user=user, plan=plan, item_uid=item_uid)
    return [_comment_out(thread) for thread in threads]


@router.get(
    "/{plan_uid}/export.xlsx",
    response={404: ErrorOut},
    summary="The plan as an Excel logframe workbook (the live draft, or ?version=N)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The workbook, redacted to what the caller may see",
                "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export_plan_xlsx(
    request: HttpRequest, plan_uid: uuid.UUID, version: int | None = None
) -> HttpResponse:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    frozen = (
        selectors.version_for_user(user=user, plan=plan, number=version)
        if version is not None
        else None
    )
    workbook = plan_workbook_for_user(user=user, plan=plan, version=frozen)
    response = HttpResponse(workbook.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{workbook.filename}"'
    return response


# --- Writes ----------------------------------------------------------------------------------


@router.post(
    "/{plan_uid}/items/{item_uid}/comments",
    response={201: CommentOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Comment on an item, or reply to a thread",
)
def add_comment(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: CommentIn
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    parent = access_comment(user, plan, payload.parent) if payload.parent else None
    return _write(
        lambda: services.comment_add(
            plan=plan, actor=user, item_uid=item_uid, body=payload.body, parent=parent
        ),
        lambda comment: _comment_out(comment, with_replies=False),
        status=201,
    )


@router.post(
    "/{plan_uid}/comments/{comment_uid}/resolve",
    response={200: CommentOut, 403: ErrorOut, 404: ErrorOut},
    summary="Resolve a comment thread",
)
def resolve_comment(request: HttpRequest, plan_uid: uuid.UUID, comment_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    comment = access_comment(user, plan, comment_uid)
    thread = services.comment_resolve(comment=comment, actor=user)
    return Status(200, _comment_out(thread))


def _kind(model: type[Model]) -> str:
    """The kind's name: ``axis``, ``objective``, ``action``, ``indicator``, ``milestone``."""
    return str(model._meta.model_name)


# Each kind has its own operations (their payloads differ in OpenAPI); the steps are the same:
# access the plan for writing, find the item (or the parent) of that kind, call the kind's
# service (its keyword is the kind's name: ``axis=``, ``objective=``, …), answer the item.


def _create_item(
    request: HttpRequest,
    plan_uid: uuid.UUID,
    payload: Schema,
    *,
    parent_model: type[Model],
    create: Callable[..., Any],
    render: Callable[[Any], Any],
    prepare: Callable[[Plan, dict[str, Any]], dict[str, Any]] | None = None,
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid, write=True)
    if parent_model is Plan:
        parent: dict[str, Any] = {"plan": plan}
        values = payload.dict()
    else:
        name = _kind(parent_model)
        parent = {name: _item(request, plan, getattr(payload, name), parent_model)}
        values = payload.dict(exclude={name})

    def call() -> Any:
        data = prepare(plan, values) if prepare else values
        return create(**parent, actor=user, data=data)

    return _write(call, render, status=201)


def _update_item(
    request: HttpRequest,
    plan_uid: uuid.UUID,
    item_uid: uuid.UUID,
    payload: Schema,
    *,
    model: type[Model],
    update: Callable[..., Any],
    render: Callable[[Any], Any],
    prepare: Callable[[Plan, dict[str, Any]], dict[str, Any]] | None = None,
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid, write=True)
    item = _item(request, plan, item_uid, model)
    lock_version, values = _patch_values(payload)

    def call() -> Any:
        data = prepare(plan, values) if prepare else values
        return update(**{_kind(model): item}, actor=user, lock_version=lock_version, data=data)

    return _write(call, render)


def _delete_item(
    request: HttpRequest,
    plan_uid: uuid.UUID,
    item_uid: uuid.UUID,
    lock_version: int | None,
    *,
    model: type[Model],
    delete: Callable[..., Any],
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid, write=True)
    item = _item(request, plan, item_uid, model)
    return _delete(lambda: delete(**{_kind(model): item}, actor=user, lock_version=lock_version))


def _axis_out(axis: Axis) -> dict[str, Any]:
    return {**axis_fields(axis), "lock_version": axis.lock_version}


def _objective_out(objective: Objective) -> dict[str, Any]:
    return {**objective_fields(objective), "lock_version": objective.lock_version}


def _render_action(action: Action) -> dict[str, Any]:
    action = (
        Action.objects.select_related("classification", "lead_state", "responsible_organisation")
        .prefetch_related("partner_states", "releasable_to", "indicators", "milestones")
        .get(pk=action.pk)
    )
    return _action_out(
        action,
        indicators=list(action.indicators.all()),
        milestones=list(action.milestones.all()),
    )


@router.post("/{plan_uid}/axes", response=CREATE, summary="Add an axis at the end")
def create_axis(request: HttpRequest, plan_uid: uuid.UUID, payload: AxisIn) -> Any:
    return _create_item(
        request, plan_uid, payload, parent_model=Plan, create=services.axis_create, render=_axis_out
    )


@router.patch("/{plan_uid}/axes/{item_uid}", response=WRITE, summary="Change an axis")
def update_axis(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: AxisPatch
) -> Any:
    return _update_item(
        request,
        plan_uid,
        item_uid,
        payload,
        model=Axis,
        update=services.axis_update,
        render=_axis_out,
    )


@router.delete("/{plan_uid}/axes/{item_uid}", response=DELETE, summary="Delete an axis")
def delete_axis(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, lock_version: int | None = None
) -> Any:
    return _delete_item(
        request, plan_uid, item_uid, lock_version, model=Axis, delete=services.axis_delete
    )


@router.post("/{plan_uid}/objectives", response=CREATE, summary="Add an objective to an axis")
def create_objective(request: HttpRequest, plan_uid: uuid.UUID, payload: ObjectiveIn) -> Any:
    return _create_item(
        request,
        plan_uid,
        payload,
        parent_model=Axis,
        create=services.objective_create,
        render=_objective_out,
    )


@router.patch("/{plan_uid}/objectives/{item_uid}", response=WRITE, summary="Change an objective")
def update_objective(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: ObjectivePatch
) -> Any:
    return _update_item(
        request,
        plan_uid,
        item_uid,
        payload,
        model=Objective,
        update=services.objective_update,
        render=_objective_out,
    )


@router.delete("/{plan_uid}/objectives/{item_uid}", response=DELETE, summary="Delete an objective")
def delete_objective(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, lock_version: int | None = None
) -> Any:
    return _delete_item(
        request,
        plan_uid,
        item_uid,
        lock_version,
        model=Objective,
        delete=services.objective_delete,
    )


@router.post("/{plan_uid}/actions", response=CREATE, summary="Add an action to an objective")
def create_action(request: HttpRequest, plan_uid: uuid.UUID, payload: ActionIn) -> Any:
    return _create_item(
        request,
        plan_uid,
        payload,
        parent_model=Objective,
        create=services.action_create,
        render=_render_action,
        prepare=_action_data,
    )


@router.get(
    "/{plan_uid}/actions/{item_uid}",
    response={200: ActionOut, 404: ErrorOut},
    summary="One action with its indicators and milestones",
)
def get_action(request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    return _render_action(_item(request, plan, item_uid, Action))


@router.patch("/{plan_uid}/actions/{item_uid}", response=WRITE, summary="Change an action")
def update_action(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: ActionPatch
) -> Any:
    return _update_item(
        request,
        plan_uid,
        item_uid,
        payload,
        model=Action,
        update=services.action_update,
        render=_render_action,
        prepare=_action_data,
    )


@router.delete("/{plan_uid}/actions/{item_uid}", response=DELETE, summary="Delete an action")
def delete_action(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, lock_version: int | None = None
) -> Any:
    return _delete_item(
        request, plan_uid, item_uid, lock_version, model=Action, delete=services.action_delete
    )


@router.post("/{plan_uid}/indicators", response=CREATE, summary="Add an indicator to an action")
def create_indicator(request: HttpRequest, plan_uid: uuid.UUID, payload: IndicatorIn) -> Any:
    return _create_item(
        request,
        plan_uid,
        payload,
        parent_model=Action,
        create=services.indicator_create,
        render=_indicator_out,
    )


@router.patch("/{plan_uid}/indicators/{item_uid}", response=WRITE, summary="Change an indicator")
def update_indicator(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: IndicatorPatch
) -> Any:
    return _update_item(
        request,
        plan_uid,
        item_uid,
        payload,
        model=Indicator,
        update=services.indicator_update,
        render=_indicator_out,
    )


@router.delete("/{plan_uid}/indicators/{item_uid}", response=DELETE, summary="Delete an indicator")
def delete_indicator(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, lock_version: int | None = None
) -> Any:
    return _delete_item(
        request,
        plan_uid,
        item_uid,
        lock_version,
        model=Indicator,
        delete=services.indicator_delete,
    )


@router.post("/{plan_uid}/milestones", response=CREATE, summary="Add a milestone to an action")
def create_milestone(request: HttpRequest, plan_uid: uuid.UUID, payload: MilestoneIn) -> Any:
    return _create_item(
        request,
        plan_uid,
        payload,
        parent_model=Action,
        create=services.milestone_create,
        render=_milestone_out,
    )


@router.patch("/{plan_uid}/milestones/{item_uid}", response=WRITE, summary="Change a milestone")
def update_milestone(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: MilestonePatch
) -> Any:
    return _update_item(
        request,
        plan_uid,
        item_uid,
        payload,
        model=Milestone,
        update=services.milestone_update,
        render=_milestone_out,
    )


@router.delete("/{plan_uid}/milestones/{item_uid}", response=DELETE, summary="Delete a milestone")
def delete_milestone(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, lock_version: int | None = None
) -> Any:
    return _delete_item(
        request,
        plan_uid,
        item_uid,
        lock_version,
        model=Milestone,
        delete=services.milestone_delete,
    )


@router.post(
    "/{plan_uid}/items/{item_uid}/move",
    response={200: dict[str, Any], 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="Move an item to a position (1-based), optionally under another parent",
)
def move_item(
    request: HttpRequest, plan_uid: uuid.UUID, item_uid: uuid.UUID, payload: MoveIn
) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid, write=True)
    item = access_item(user, plan, item_uid, write=True)
    parent = access_item(user, plan, payload.parent) if payload.parent is not None else None
    return _write(
        lambda: services.item_move(item=item, actor=user, position=payload.position, parent=parent),
        lambda moved: {
            "uid": str(moved.uid),
            "position": moved.position,
            "code": getattr(moved, "code", ""),
        },
    )


@router.post(
    "/{plan_uid}/versions",
    response={201: VersionOut, 403: ErrorOut, 404: ErrorOut},
    summary="Freeze the live draft into a new version (secretariat)",
)
def freeze_plan(request: HttpRequest, plan_uid: uuid.UUID, payload: FreezeIn) -> Any:
    user = _user(request)
    plan = access_plan(user, plan_uid)
    version = services.plan_version_freeze(plan=plan, actor=user, note=payload.note)
    return Status(201, _version_out(version))
