"""Reads on plans, always scoped to the reader (``visible_to``) and in a constant number of queries.

An action the reader may not see (marking above their clearance, or not releasable to them)
comes back as a :class:`RedactedAction`: its code and marking only. Pages, the API and
exports all read through here, so they redact alike. Filters other than the axis would
reveal something of a hidden action (that it matches), so with such filters hidden actions
are left out instead of redacted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When

from liptako.alliance.models import MemberState, Organisation
from liptako.audit.models import AuditEvent
from liptako.core.models import MarkingLevel
from liptako.plans.diff import PlanDiff, diff_documents, redact_diff
from liptako.plans.exceptions import ItemNotFound
from liptako.plans.models import (
    Action,
    Axis,
    Comment,
    Indicator,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
    normalise_search_text,
)
from liptako.plans.snapshot import Viewer, build_document, redact_document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from liptako.accounts.models import User

    AnyUser = User | AnonymousUser


# --- What the selectors return ---------------------------------------------------------------


@dataclass(frozen=True)
class RedactedAction:
    """An action the reader may not see: only its code and marking are given away.

    ``classification`` is the ``MarkingLevel`` (so ``{% marking entry %}`` works on it).
    """

    code: str
    classification: MarkingLevel
    is_redacted: ClassVar[bool] = True

    def as_dict(self) -> dict[str, Any]:
        return {"redacted": True, "code": self.code, "classification": self.classification.code}


@dataclass
class ActionNode:
    action: Action
    indicators: list[Indicator] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    open_comments: int = 0
    # How many indicators and milestones the action holds: set whether or not the lists above
    # are loaded (``plan_tree_for_user(..., with_children=False)`` counts without loading).
    indicator_count: int = 0
    milestone_count: int = 0
    is_redacted: ClassVar[bool] = False

    @property
    def code(self) -> str:
        return self.action.code

    @property
    def classification(self) -> MarkingLevel:
        return self.action.classification


ActionEntry = ActionNode | RedactedAction


@dataclass
class ObjectiveNode:
    objective: Objective
    actions: list[ActionEntry] = field(default_factory=list)
    open_comments: int = 0


@dataclass
class AxisNode:
    axis: Axis
    objectives: list[ObjectiveNode] = field(default_factory=list)
    open_comments: int = 0


@dataclass(frozen=True)
class ActionFilters:
    """Outline and list filters. Member states by ISO code; ``text`` ignores case and accents."""

    axis: uuid.UUID | None = None
    lead_state: str = ""
    partner_state: str = ""
    priority: str = ""
    text: str = ""

    @property
    def is_active(self) -> bool:
        return bool(self.axis or self.reveals_content)

    @property
    def reveals_content(self) -> bool:
        """Whether matching would tell something of an action beyond its place in the plan."""
        return bool(self.lead_state or self.partner_state or self.priority or self.text.strip())


@dataclass
class PlanTree:
    plan: Plan
    axes: list[AxisNode]
    filters: ActionFilters
    open_comments: int = 0  # on the plan itself

    @property
    def actions(self) -> list[ActionEntry]:
        return [a for axis in self.axes for o in axis.objectives for a in o.actions]


# --- Plans -----------------------------------------------------------------------------------


def plan_list_for_user(*, user: AnyUser) -> QuerySet[Plan]:
    """Plans the user may see, newest period first, with alliance and marking loaded."""
    return (
        Plan.objects.visible_to(user)
        .select_related("alliance", "classification")
        .prefetch_related("releasable_to")
    )


# --- Actions ---------------------------------------------------------------------------------


def _visible_annotation(user: AnyUser, plan: Plan) -> Any:
    if not user.is_authenticated:
        return Value(False, output_field=BooleanField())
    # A non-correlated IN (computed once), not EXISTS per row: the plan may hold 1,000 actions.
    visible = Action.objects.visible_to(user).filter(plan=plan).values("pk")
    return Case(
        When(pk__in=visible, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


# Columns no reader shows; skipping them spares the datetime conversions of every row.
_UNSHOWN = ("created_at", "updated_at", "search_text")


def _actions_queryset(
    *, user: AnyUser, plan: Plan, filters: ActionFilters | None
) -> QuerySet[Action]:
    filters = filters or ActionFilters()
    actions = (
        Action.objects.filter(plan=plan)
        .annotate(is_visible=_visible_annotation(user, plan))
        .defer(*_UNSHOWN)
    )
    if filters.axis is not None:
        actions = actions.filter(objective__axis__uid=filters.axis)
    criteria = Q(is_visible=True)
    if filters.lead_state:
        criteria &= Q(lead_state__code=filters.lead_state)
    if filters.partner_state:
        criteria &= Q(
            Exists(
                Action.partner_states.through.objects.filter(
                    action_id=OuterRef("pk"), memberstate__code=filters.partner_state
                )
            )
        )
    if filters.priority:
        criteria &= Q(priority=filters.priority)
    for word in normalise_search_text(filters.text).split():
        criteria &= Q(search_text__contains=word)
    if not filters.reveals_content:
        criteria |= Q(is_visible=False)
    return actions.filter(criteria)


def attach_action_relations(actions: Sequence[Action], plan: Plan) -> dict[int, MarkingLevel]:
    """Load lead state, marking, organisation, partner states and releasability of
    ``actions`` in five queries, sharing one object per member state, marking and
    organisation (a plan of 1,000 actions would otherwise build thousands of them).

    Sets the foreign-key caches (``action.lead_state`` etc. need no query) and two lists:
    ``action.partner_state_list`` and ``action.releasable_list`` (sorted by code); also
    fills the prefetch cache of ``partner_states`` and ``releasable_to``. Returns the
    marking levels by id.
    """
    states = {state.pk: state for state in MemberState.objects.all()}
    markings = {level.pk: level for level in MarkingLevel.objects.all()}
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.filter(
            pk__in=Action.objects.filter(plan=plan).values("responsible_organisation_id")
        )
    }
    ids = {action.pk for action in actions}
    # Few actions (a page): ask for them; many: the whole plan's links, without an IN list.
    scope: dict[str, Any] = (
        {"action_id__in": ids} if len(ids) <= 200 else {"action__plan_id": plan.pk}
    )
    links: dict[str, dict[int, list[MemberState]]] = {}
    for name in ("partner_states", "releasable_to"):
        through = getattr(Action, name).through
        by_action: dict[int, list[MemberState]] = defaultdict(list)
        for action_id, state_id in through.objects.filter(**scope).values_list(
            "action_id", "memberstate_id"
        ):
            by_action[action_id].append(states[state_id])
        links[name] = by_action
    lead_cache = Action._meta.get_field("lead_state")
    marking_cache = Action._meta.get_field("classification")
    organisation_cache = Action._meta.get_field("responsible_organisation")
    for action in actions:
        lead_cache.set_cached_value(action, states[action.lead_state_id])
        marking_cache.set_cached_value(action, markings[action.classification_id])  # type: ignore[index]
        organisation_cache.set_cached_value(
            action, organisations.get(action.responsible_organisation_id or 0)
        )
        partner_states = sorted(links["partner_states"][action.pk], key=lambda state: state.code)
        releasable = sorted(links["releasable_to"][action.pk], key=lambda state: state.code)
        action.partner_state_list = partner_states  # type: ignore[attr-defined]
        action.releasable_list = releasable  # type: ignore[attr-defined]
        # As prefetch_related would: ``action.partner_states.all()`` reads these, no query.
        action._prefetched_objects_cache = {  # type: ignore[attr-defined]
            "partner_states": _loaded_queryset(partner_states),
            "releasable_to": _loaded_queryset(releasable),
        }
    return markings


def _loaded_queryset(states: list[MemberState]) -> QuerySet[MemberState]:
    queryset: QuerySet[MemberState] = QuerySet(model=MemberState)
    queryset._result_cache = states
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset


def _child_counts(
    model: type[Indicator] | type[Milestone], scope: dict[str, Any]
) -> dict[int, int]:
    """How many rows of ``model`` each action holds, in one grouped query."""
    rows = model.objects.filter(**scope).values("action_id").annotate(count=Count("id")).order_by()
    return {row["action_id"]: row["count"] for row in rows}


def _nodes(
    actions: Sequence[Action],
    plan: Plan,
    counts: dict[uuid.UUID, int],
    *,
    with_children: bool = True,
) -> list[ActionEntry]:
    """Entries for ``actions``: relations, indicators and milestones loaded for the visible
    (only their numbers without ``with_children``)."""
    visible = [action for action in actions if getattr(action, "is_visible", False)]
    markings = attach_action_relations(visible, plan)
    ids = {action.pk for action in visible}
    scope: dict[str, Any] = {"action_id__in": ids} if len(ids) <= 200 else {"plan": plan}
    if not with_children:
        indicator_counts = _child_counts(Indicator, scope)
        milestone_counts = _child_counts(Milestone, scope)
        return [
            ActionNode(
                action=action,
                open_comments=counts.get(action.uid, 0),
                indicator_count=indicator_counts.get(action.pk, 0),
                milestone_count=milestone_counts.get(action.pk, 0),
            )
            if action.pk in ids
            else RedactedAction(
                code=action.code,
                classification=markings[action.classification_id],  # type: ignore[index]
            )
            for action in actions
        ]
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(**scope)
        .defer("created_at", "updated_at")
        .order_by("position", "id")
    ):
        if indicator.action_id in ids:
            indicators[indicator.action_id].append(indicator)
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in (
        Milestone.objects.filter(**scope)
        .defer("created_at", "updated_at")
        .order_by("position", "id")
    ):
        if milestone.action_id in ids:
            milestones[milestone.action_id].append(milestone)
    entries: list[ActionEntry] = []
    for action in actions:
        if action.pk in ids:
            entries.append(
                ActionNode(
                    action=action,
                    indicators=indicators[action.pk],
                    milestones=milestones[action.pk],
                    open_comments=counts.get(action.uid, 0),
                    indicator_count=len(indicators[action.pk]),
                    milestone_count=len(milestones[action.pk]),
                )
            )
        else:
            entries.append(
                RedactedAction(
                    code=action.code,
                    classification=markings[action.classification_id],  # type: ignore[index]
                )
            )
    return entries


def open_comment_counts(*, plan: Plan) -> dict[uuid.UUID, int]:
    """Open threads per item uid (callers only show counts of items the reader sees)."""
    rows = (
        Comment.objects.filter(plan=plan, parent__isnull=True, resolved_at__isnull=True)
        .values("item_uid")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["item_uid"]: row["count"] for row in rows}


def action_list_for_user(
    *, user: AnyUser, plan: Plan, filters: ActionFilters | None = None
) -> list[ActionEntry]:
    """Every action of the plan in plan order (exports, roadmap), hidden ones redacted."""
    actions = list(
        _actions_queryset(user=user, plan=plan, filters=filters).order_by(
            "objective__axis__position", "objective__position", "position", "id"
        )
    )
    return _nodes(actions, plan, open_comment_counts(plan=plan))


def action_page_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    filters: ActionFilters | None = None,
    page: int | str = 1,
    per_page: int | None = None,
) -> Page[ActionEntry]:
    """One page of :func:`action_list_for_user` (``settings.PAGE_SIZE`` rows by default)."""
    from django.conf import settings

    queryset = _actions_queryset(user=user, plan=plan, filters=filters).order_by(
        "objective__axis__position", "objective__position", "position", "id"
    )
    paginator = Paginator(queryset, per_page or settings.PAGE_SIZE)
    current = paginator.get_page(page)
    current.object_list = _nodes(  # type: ignore[assignment]
        list(current.object_list), plan, open_comment_counts(plan=plan)
    )
    return current  # type: ignore[return-value]


def plan_tree_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    filters: ActionFilters | None = None,
    with_children: bool = True,
) -> PlanTree:
    """The plan's axes → objectives → actions (with indicators and milestones) for ``user``.

    Eleven queries whatever the size of the plan. With active filters, objectives without a
    matching action and axes without such objectives are left out. ``with_children=False``
    leaves the actions' indicator and milestone lists empty and only counts them
    (``indicator_count``, ``milestone_count``): the outline loads them when an action opens.
    """
    filters = filters or ActionFilters()
    axes = list(Axis.objects.filter(plan=plan).order_by("position", "id"))
    objectives = list(Objective.objects.filter(plan=plan).order_by("position", "id"))
    actions = list(
        _actions_queryset(user=user, plan=plan, filters=filters).order_by("position", "id")
    )
    counts = open_comment_counts(plan=plan)
    entries = _nodes(actions, plan, counts, with_children=with_children)
    by_objective: dict[int, list[ActionEntry]] = defaultdict(list)
    for action, entry in zip(actions, entries, strict=True):
        by_objective[action.objective_id].append(entry)
    objectives_by_axis: dict[int, list[ObjectiveNode]] = defaultdict(list)
    for objective in objectives:
        matched = by_objective.get(objective.pk, [])
        if filters.is_active and not matched:
            continue
        objectives_by_axis[objective.axis_id].append(
            ObjectiveNode(
                objective=objective, actions=matched, open_comments=counts.get(objective.uid, 0)
            )
        )
    axis_nodes = [
        AxisNode(
            axis=axis,
            objectives=objectives_by_axis.get(axis.pk, []),
            open_comments=counts.get(axis.uid, 0),
        )
        for axis in axes
        if not filters.is_active or objectives_by_axis.get(axis.pk)
    ]
    return PlanTree(
        plan=plan, axes=axis_nodes, filters=filters, open_comments=counts.get(plan.uid, 0)
    )


# --- Documents, versions and diffs -----------------------------------------------------------


def plan_snapshot(*, plan: Plan) -> dict[str, Any]:
    """The whole live plan as its canonical document, UNREDACTED (freezing, comparisons).

    Only services and the ``*_for_user`` selectors call this; never show it to a reader.
    """
    plan = (
        Plan.objects.select_related("alliance", "classification")
        .prefetch_related("releasable_to")
        .get(pk=plan.pk)
    )
    actions = list(Action.objects.filter(plan=plan).defer(*_UNSHOWN))
    attach_action_relations(actions, plan)
    return build_document(
        plan=plan,
        axes=list(Axis.objects.filter(plan=plan)),
        objectives=list(Objective.objects.filter(plan=plan)),
        actions=actions,
        indicators=list(Indicator.objects.filter(plan=plan).defer("created_at", "updated_at")),
        milestones=list(Milestone.objects.filter(plan=plan).defer("created_at", "updated_at")),
    )


def viewer_for(user: AnyUser) -> Viewer:
    """The reader's access in the terms of a frozen document (marking and state codes)."""
    if not user.is_authenticated or not user.is_active:
        return Viewer(
            clearance_rank=-1,
            rank_by_marking={},
            member_state_codes=frozenset(),
            sees_all_member_states=False,
            sees_content=False,
        )
    access = user.access
    return Viewer(
        clearance_rank=access.clearance_rank,
        rank_by_marking=dict(MarkingLevel.objects.values_list("code", "rank")),
        member_state_codes=frozenset(
            MemberState.objects.filter(pk__in=access.member_state_ids).values_list(
                "code", flat=True
            )
        ),
        sees_all_member_states=access.sees_all_member_states,
        sees_content=access.sees_content,
    )


def plan_document_for_user(*, user: AnyUser, plan: Plan) -> dict[str, Any]:
    """The live draft as a document, hidden actions redacted (API, exports)."""
    return redact_document(plan_snapshot(plan=plan), viewer_for(user))


def version_list_for_user(*, user: AnyUser, plan: Plan) -> QuerySet[PlanVersion]:
    """The versions of a plan the user may see (``plan`` from ``access_plan``), newest first."""
    if not Plan.objects.visible_to(user).filter(pk=plan.pk).exists():
        return PlanVersion.objects.none()
    return (
        PlanVersion.objects.filter(plan=plan)
        .select_related("author")
        .defer("canonical")
        .order_by("-number")
    )


def version_for_user(*, user: AnyUser, plan: Plan, number: int) -> PlanVersion:
    """Version ``number`` of ``plan``, or ``ItemNotFound`` (missing, or frozen at a marking
    the reader may not see)."""
    version = PlanVersion.objects.filter(plan=plan, number=number).select_related("author").first()
    if version is None or not viewer_for(user).may_see(version.content["plan"]):
        raise ItemNotFound
    return version


def version_document_for_user(*, user: AnyUser, version: PlanVersion) -> dict[str, Any]:
    """The frozen content as the reader may see it (hidden actions redacted)."""
    viewer = viewer_for(user)
    document = version.content
    if not viewer.may_see(document["plan"]):
        raise ItemNotFound
    return redact_document(document, viewer)


def plan_diff_for_user(
    *,
    user: AnyUser,
    plan: Plan,
    old: PlanVersion | None,
    new: PlanVersion | None,
) -> PlanDiff:
    """What changed from ``old`` to ``new``; ``None`` stands for the live draft."""
    viewer = viewer_for(user)
    live: dict[str, Any] | None = None

    def document(version: PlanVersion | None) -> dict[str, Any]:
        nonlocal live
        if version is None:
            if live is None:
                live = plan_snapshot(plan=plan)
            return live
        if version.plan_id != plan.pk:
            raise ItemNotFound
        return version.content

    before, after = document(old), document(new)
    if not (viewer.may_see(before["plan"]) and viewer.may_see(after["plan"])):
        raise ItemNotFound
    return redact_diff(diff_documents(before, after), old=before, new=after, viewer=viewer)


# --- History and comments --------------------------------------------------------------------


def _find_visible_item(user: AnyUser, plan: Plan, item_uid: uuid.UUID) -> Any:
    if plan.uid == item_uid:
        return plan
    for model in (Axis, Objective, Action, Indicator, Milestone):
        item = model.objects.filter(plan=plan, uid=item_uid).first()
        if item is None:
            continue
        action_id = item.pk if model is Action else getattr(item, "action_id", None)
        if action_id is not None and not (
            Action.objects.visible_to(user).filter(pk=action_id).exists()
        ):
            raise ItemNotFound
        return item
    raise ItemNotFound


def item_history_for_user(
    *, user: AnyUser, plan: Plan, item_uid: uuid.UUID
) -> QuerySet[AuditEvent]:
    """The audit events of one item (newest first): who changed what and when.

    Each event's ``payload["changes"]`` maps field → ``{"before", "after"}``."""
    item = _find_visible_item(user, plan, item_uid)
    return AuditEvent.objects.filter(
        target_type=item._meta.label_lower, target_id=str(item.pk)
    ).order_by("-sequence")


def comment_threads_for_user(*, user: AnyUser, plan: Plan, item_uid: uuid.UUID) -> list[Comment]:
    """The comment threads on one item, oldest first, replies in ``thread.replies.all()``."""
    _find_visible_item(user, plan, item_uid)
    return list(
        Comment.objects.filter(plan=plan, item_uid=item_uid, parent__isnull=True)
        .select_related("author", "resolved_by")
        .prefetch_related("replies__author")
        .order_by("created_at", "id")
    )
