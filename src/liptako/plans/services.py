"""Writes on plans: every change of a plan, its items, comments and versions goes through here.

Each service checks the actor's permission (``permissions``), validates with the models'
``full_clean`` (``ValidationError`` with French messages per field), runs in one transaction
and writes one audit event with the changed fields (``before``/``after``), from which an
item's history is shown. Updates take the ``lock_version`` the editor saw and raise
``ConflictError`` (both values) when the row changed meanwhile.

Errors: ``PermissionDenied`` (not allowed), ``ValidationError`` (bad input, nothing
changed), ``ConflictError`` (optimistic lock), ``ItemNotFound`` (no such item for the actor).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from liptako.audit.services import audit_record
from liptako.core.canonical import canonical_json, sha256_hex
from liptako.core.models import MarkingLevel
from liptako.plans.exceptions import ConflictError, ItemNotFound
from liptako.plans.models import (
    Action,
    Axis,
    Comment,
    Indicator,
    ItemKind,
    Milestone,
    Objective,
    Plan,
    PlanVersion,
)
from liptako.plans.permissions import can
from liptako.plans.selectors import plan_snapshot
from liptako.plans.snapshot import decimal_text

if TYPE_CHECKING:
    from liptako.accounts.models import User
    from liptako.alliance.models import Alliance, MemberState, Organisation


# --- What each update may change -------------------------------------------------------------


class PlanChanges(TypedDict, total=False):
    title: str
    description: str
    period_start: date
    period_end: date
    classification: MarkingLevel
    releasable_to: Sequence[MemberState]


class AxisChanges(TypedDict, total=False):
    code: str  # secretariat only; "" returns to the automatic code
    title: str
    description: str


class ObjectiveChanges(TypedDict, total=False):
    code: str
    title: str
    description: str


class ActionChanges(TypedDict, total=False):
    code: str
    title: str
    description: str
    lead_state: MemberState
    partner_states: Sequence[MemberState]
    responsible_organisation: Organisation | None
    start_date: date
    end_date: date
    budget_amount: Decimal | None
    budget_currency: str
    priority: str
    classification: MarkingLevel
    releasable_to: Sequence[MemberState]


class IndicatorChanges(TypedDict, total=False):
    code: str
    name: str
    measure: str
    unit: str
    direction: str
    time_aggregation: str
    state_aggregation: str
    baseline_value: Decimal | None
    baseline_text: str
    baseline_date: date | None
    target_value: Decimal | None
    target_text: str
    tolerance: Decimal | None
    means_of_verification: str


class MilestoneChanges(TypedDict, total=False):
    title: str
    due_date: date


PLAN_FIELDS = frozenset(PlanChanges.__annotations__)
AXIS_FIELDS = frozenset(AxisChanges.__annotations__)
OBJECTIVE_FIELDS = frozenset(ObjectiveChanges.__annotations__)
ACTION_FIELDS = frozenset(ActionChanges.__annotations__)
INDICATOR_FIELDS = frozenset(IndicatorChanges.__annotations__)
MILESTONE_FIELDS = frozenset(MilestoneChanges.__annotations__)
M2M_FIELDS = frozenset({"partner_states", "releasable_to"})

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_/]{0,39}$")

Item = Axis | Objective | Action | Indicator | Milestone
# The generic helpers below work on any item model; the public services are precisely typed.
_Model = Any


# --- Helpers ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A field value as JSON (audit payloads, conflicts): codes for states and markings."""
    from liptako.alliance.models import MemberState

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, MemberState | MarkingLevel):
        return value.code
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Iterable):
        return sorted(plain(v) for v in value)
    return str(value)


def _current(instance: Any, name: str) -> Any:
    if name in M2M_FIELDS:
        return list(getattr(instance, name).all())
    return getattr(instance, name)


def _require(actor: User, permission: str, plan: Plan, message: str) -> None:
    if not can(actor, permission, plan):
        raise PermissionDenied(message)


def _require_edit(actor: User, plan: Plan) -> None:
    _require(
        actor,
        "plans.change_plan",
        plan,
        _("You may not edit this plan (only experts and the secretariat, while it is drafted)."),
    )


def _require_visible_action(actor: User, action_id: int, *, allow_missing: bool = False) -> None:
    """``ItemNotFound`` unless the actor sees the action. ``allow_missing``: a deleted action
    passes (the update then reports the deletion as a conflict)."""
    if Action.objects.visible_to(actor).filter(pk=action_id).exists():
        return
    if allow_missing and not Action.objects.filter(pk=action_id).exists():
        return
    raise ItemNotFound


def _check_code(
    model: Any,
    plan: Plan,
    code: str,
    exclude_pk: int | None,
) -> None:
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            {"code": _("A code is up to 40 letters, digits, dots, dashes or slashes.")}
        )
    taken = model.objects.filter(plan=plan, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"code": _("This code is already used in the plan.")})


def _check_action_rules(
    *,
    actor: User,
    plan: Plan,
    lead_state: MemberState | None,
    partner_states: Sequence[MemberState],
    classification: MarkingLevel | None,
    releasable_to: Sequence[MemberState],
    responsible_organisation: Organisation | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if lead_state is not None:
        if lead_state.alliance_id != plan.alliance_id:
            errors.setdefault("lead_state", []).append(
                _("The lead member state must belong to the plan's alliance.")
            )
        if any(state.pk == lead_state.pk for state in partner_states):
            errors.setdefault("partner_states", []).append(
                _("The lead member state cannot also be a partner.")
            )
    if any(state.alliance_id != plan.alliance_id for state in partner_states):
        errors.setdefault("partner_states", []).append(
            _("Partner member states must belong to the plan's alliance.")
        )
    if responsible_organisation is not None and (
        responsible_organisation.alliance_id != plan.alliance_id
    ):
        errors.setdefault("responsible_organisation", []).append(
            _("The responsible organisation must belong to the plan's alliance.")
        )
    _check_marking(actor, classification, releasable_to, errors)
    if errors:
        raise ValidationError(errors)


def _check_marking(
    actor: User,
    classification: MarkingLevel | None,
    releasable_to: Sequence[MemberState],
    errors: dict[str, list[str]],
) -> None:
    access = actor.access
    if classification is not None and classification.rank > access.clearance_rank:
        errors.setdefault("classification", []).append(
            _("You may not mark an item above your own clearance.")
        )
    if (
        releasable_to
        and not access.sees_all_member_states
        and not any(state.pk in access.member_state_ids for state in releasable_to)
    ):
        errors.setdefault("releasable_to", []).append(
            _("Include your own member state, or you would no longer see this item.")
        )


def _audit_item(*, actor: User, verb: str, item: Any, payload: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target=item,
        payload={"uid": str(item.uid), "code": getattr(item, "code", ""), **payload},
    )


def _next_position(queryset: models.QuerySet[Any]) -> int:
    highest = queryset.aggregate(highest=Max("position"))["highest"]
    return int(highest or 0) + 1


def _free_code(
    model: Any, plan: Plan, stem: str, number: int, taken: set[str] | None = None
) -> str:
    """``stem + number``, the number raised past codes the secretariat set by hand."""
    while True:
        code = f"{stem}{number}"
        if taken is not None:
            if code not in taken:
                return code
        elif not model.objects.filter(plan=plan, code=code).exists():
            return code
        number += 1


# --- Codes and positions ---------------------------------------------------------------------


def _renumber(plan: Plan) -> int:
    """Make positions 1..n among siblings and recompute every automatic code of the plan.

    Manual codes are kept; an automatic code equal to a manual one takes the next free
    number. Returns how many rows changed. Codes are written in two passes (temporary
    unique values first) so the unique constraint never sees two equal codes.
    """
    axes = list(Axis.objects.filter(plan=plan).order_by("position", "id"))
    objectives = list(Objective.objects.filter(plan=plan).order_by("position", "id"))
    actions = list(
        Action.objects.filter(plan=plan)
        .order_by("position", "id")
        .only(
            "id",
            "uid",
            "objective_id",
            "position",
            "code",
            "code_is_manual",
            "title",
            "description",
            "search_text",
        )
    )
    indicators = list(
        Indicator.objects.filter(plan=plan)
        .order_by("position", "id")
        .only("id", "uid", "action_id", "position", "code", "code_is_manual")
    )
    milestones = list(
        Milestone.objects.filter(plan=plan)
        .order_by("position", "id")
        .only("id", "action_id", "position")
    )

    def grouped(items: Sequence[Any], parent: str | None) -> dict[int | None, list[Any]]:
        groups: dict[int | None, list[Any]] = {}
        for item in items:
            groups.setdefault(getattr(item, parent) if parent else None, []).append(item)
        return groups

    manual: dict[type, set[str]] = {
        model: {item.code for item in rows if item.code_is_manual}
        for model, rows in (
            (Axis, axes),
            (Objective, objectives),
            (Action, actions),
            (Indicator, indicators),
        )
    }
    new_codes: dict[type, dict[int, str]] = {Axis: {}, Objective: {}, Action: {}, Indicator: {}}
    new_positions: dict[type, dict[int, int]] = {
        Axis: {},
        Objective: {},
        Action: {},
        Indicator: {},
        Milestone: {},
    }

    def assign(model: type, siblings: list[Any], stem: str) -> dict[int, int]:
        taken = set(manual.get(model, set()))
        numbers: dict[int, int] = {}
        for index, item in enumerate(siblings, start=1):
            new_positions[model][item.pk] = index
            numbers[item.pk] = index
            if model is not Milestone and not item.code_is_manual:
                code = _free_code(model, plan, stem, index, taken)
                taken.add(code)
                new_codes[model][item.pk] = code
        return numbers

    objectives_by_axis = grouped(objectives, "axis_id")
    actions_by_objective = grouped(actions, "objective_id")
    indicators_by_action = grouped(indicators, "action_id")
    milestones_by_action = grouped(milestones, "action_id")
    axis_numbers = assign(Axis, axes, "A")
    for axis in axes:
        a = axis_numbers[axis.pk]
        objective_numbers = assign(Objective, objectives_by_axis.get(axis.pk, []), f"O{a}.")
        for objective in objectives_by_axis.get(axis.pk, []):
            o = objective_numbers[objective.pk]
            action_numbers = assign(
                Action, actions_by_objective.get(objective.pk, []), f"A{a}.{o}."
            )
            for action in actions_by_objective.get(objective.pk, []):
                n = action_numbers[action.pk]
                assign(Indicator, indicators_by_action.get(action.pk, []), f"I{a}.{o}.{n}.")
                assign(Milestone, milestones_by_action.get(action.pk, []), "")

    changed = 0
    groups: tuple[tuple[Any, list[Any]], ...] = (
        (Axis, axes),
        (Objective, objectives),
        (Action, actions),
        (Indicator, indicators),
        (Milestone, milestones),
    )
    for model, rows in groups:
        codes = new_codes.get(model, {})
        positions = new_positions[model]
        moving_codes = [r for r in rows if r.pk in codes and codes[r.pk] != r.code]
        if moving_codes:
            for row in moving_codes:
                row.code = f"~{row.uid.hex}"
            _write_rows(model, moving_codes, ["code"])
        dirty = []
        for row in rows:
            new_code = codes.get(row.pk)
            new_position = positions.get(row.pk, row.position)
            if (new_code is not None and new_code != row.code) or new_position != row.position:
                if new_code is not None:
                    row.code = new_code
                row.position = new_position
                dirty.append(row)
        if dirty:
            fields = ["position"] if model is Milestone else ["position", "code"]
            if model is Action:
                for row in dirty:
                    row.search_text = row.computed_search_text()
                fields.append("search_text")
            _write_rows(model, dirty, fields)
            changed += len(dirty)
    return changed


def _write_rows(model: Any, rows: Sequence[Any], fields: list[str]) -> None:
    """One parameterised UPDATE per row, sent as a batch (``executemany``).

    ``bulk_update`` builds one CASE expression over all rows, which SQLite evaluates in
    quadratic time: renumbering a plan of 1,000 actions took seconds.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in fields]
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 (names from model metadata)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[getattr(row, name) for name in fields] + [row.pk] for row in rows]
        )


# --- Generic create / update / delete / move ------------------------------------------------


def _split(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = {k: v for k, v in data.items() if k not in M2M_FIELDS and k != "code"}
    m2m = {k: v for k, v in data.items() if k in M2M_FIELDS}
    return fields, m2m


def _check_allowed(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _create(
    instance: _Model,
    *,
    actor: User,
    plan: Plan,
    data: Mapping[str, Any],
    siblings: models.QuerySet[Any],
    stem: str,
    verb: str,
) -> _Model:
    fields, m2m = _split(data)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.position = _next_position(siblings)
    manual_code = (data.get("code") or "").strip()
    if hasattr(instance, "code"):
        if manual_code:
            _require(actor, "plans.change_code", plan, _("Only the secretariat sets codes."))
            _check_code(type(instance), plan, manual_code, None)
            instance.code = manual_code
            instance.code_is_manual = True
        else:
            instance.code = _free_code(type(instance), plan, stem, instance.position)
    instance.full_clean()
    if isinstance(instance, Action):
        instance.search_text = instance.computed_search_text()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(values)
    _audit_item(
        actor=actor,
        verb=verb,
        item=instance,
        payload={
            "changes": {
                name: {"before": None, "after": plain(_current(instance, name))}
                for name in [*fields, *m2m]
            }
        },
    )
    return instance


def _update(
    item: _Model,
    *,
    actor: User,
    plan: Plan,
    lock_version: int,
    data: Mapping[str, Any],
    verb: str,
    validate: Any = None,
) -> tuple[_Model, bool]:
    """Apply ``data`` if the row still has ``lock_version``; returns (row, code_reset)."""
    model = type(item)
    mine = {name: plain(value) for name, value in data.items()}
    fresh = model.objects.filter(pk=item.pk).first()
    if fresh is None:
        raise ConflictError(
            item_uid=item.uid,
            seen_version=lock_version,
            current_version=None,
            mine=mine,
            theirs={},
        )

    def conflict(current: _Model) -> ConflictError:
        return ConflictError(
            item_uid=current.uid,
            seen_version=lock_version,
            current_version=current.lock_version,
            mine=mine,
            theirs={name: plain(_current(current, name)) for name in data},
        )

    if fresh.lock_version != lock_version:
        raise conflict(fresh)
    before = {name: plain(_current(fresh, name)) for name in data}
    fields, m2m = _split(data)
    code_reset = False
    if "code" in data and (data.get("code") or "") != fresh.code:
        _require(actor, "plans.change_code", plan, _("Only the secretariat changes codes."))
        code = (data.get("code") or "").strip()
        if code:
            _check_code(model, plan, code, fresh.pk)
            fields["code"] = code
            fields["code_is_manual"] = True
        else:
            fields["code_is_manual"] = False
            code_reset = True
    for name, value in fields.items():
        setattr(fresh, name, value)
    fresh.full_clean()
    if validate is not None:
        validate(fresh, m2m)
    values = {name: getattr(fresh, name) for name in fields}
    if isinstance(fresh, Action):
        values["search_text"] = fresh.computed_search_text()
    rows = model.objects.filter(pk=fresh.pk, lock_version=lock_version).update(
        **values, lock_version=F("lock_version") + 1, updated_at=timezone.now()
    )
    if rows == 0:  # someone saved between our read and our write
        current = model.objects.filter(pk=item.pk).first()
        if current is None:
            raise ConflictError(
                item_uid=item.uid,
                seen_version=lock_version,
                current_version=None,
                mine=mine,
                theirs={},
            )
        raise conflict(current)
    for name, value in m2m.items():
        getattr(fresh, name).set(value)
    fresh.lock_version = lock_version + 1
    after = {name: plain(_current(fresh, name)) for name in data}
    changes = {
        name: {"before": before[name], "after": after[name]}
        for name in data
        if before[name] != after[name]
    }
    _audit_item(
        actor=actor,
        verb=verb,
        item=fresh,
        payload={"lock_version": fresh.lock_version, "changes": changes},
    )
    return fresh, code_reset


def _check_lock(item: Any, lock_version: int | None) -> None:
    if lock_version is None:
        return
    current = type(item).objects.filter(pk=item.pk).values_list("lock_version", flat=True).first()
    if current != lock_version:
        raise ConflictError(
            item_uid=item.uid,
            seen_version=lock_version,
            current_version=current,
            mine={},
            theirs={},
        )


def _hidden_actions(actor: User, actions: models.QuerySet[Action]) -> bool:
    visible = Action.objects.visible_to(actor).filter(pk__in=actions.values("pk"))
    return actions.count() != visible.count()


def _move(
    item: _Model,
    *,
    actor: User,
    parent_field: str | None,
    new_parent: Any,
    position: int,
    verb: str,
) -> _Model:
    model = type(item)
    plan = item.plan
    if parent_field is not None and new_parent is not None and new_parent.plan_id != plan.pk:
        raise ValidationError({parent_field: _("An item cannot move to another plan.")})
    old_parent_id = getattr(item, f"{parent_field}_id") if parent_field else None
    parent_id = new_parent.pk if new_parent is not None else old_parent_id
    before = {
        "parent": _parent_uid(item, parent_field),
        "position": item.position,
        "code": getattr(item, "code", ""),
    }
    siblings_filter: dict[str, Any] = {"plan": plan}
    if parent_field is not None:
        siblings_filter[f"{parent_field}_id"] = parent_id
    siblings = list(
        model.objects.filter(**siblings_filter).exclude(pk=item.pk).order_by("position", "id")
    )
    index = min(max(position, 1), len(siblings) + 1) - 1
    siblings.insert(index, item)
    if parent_field is not None and parent_id != old_parent_id:
        setattr(item, f"{parent_field}_id", parent_id)
        item.full_clean()
        model.objects.filter(pk=item.pk).update(**{f"{parent_field}_id": parent_id})
    for number, sibling in enumerate(siblings, start=1):
        sibling.position = number
    _write_rows(model, siblings, ["position"])
    renumbered = _renumber(plan)
    item.refresh_from_db()
    after = {
        "parent": _parent_uid(item, parent_field),
        "position": item.position,
        "code": getattr(item, "code", ""),
    }
    _audit_item(
        actor=actor,
        verb=verb,
        item=item,
        payload={"before": before, "after": after, "renumbered": renumbered},
    )
    return item


def _parent_uid(item: Any, parent_field: str | None) -> str | None:
    if parent_field is None:
        return None
    parent = getattr(item, parent_field)
    return str(parent.uid)


def _delete(item: Any, *, actor: User, verb: str, payload: dict[str, Any]) -> None:
    plan = item.plan
    _audit_item(actor=actor, verb=verb, item=item, payload=payload)
    item.delete()
    _renumber(plan)


# --- Plan ------------------------------------------------------------------------------------


def plan_create(
    *,
    actor: User,
    alliance: Alliance,
    title: str,
    period_start: date,
    period_end: date,
    description: str = "",
    classification: MarkingLevel | None = None,
    releasable_to: Sequence[MemberState] = (),
) -> Plan:
    """Open a new plan, in drafting (secretariat only)."""
    if not can(actor, "plans.add_plan"):
        raise PermissionDenied(_("Only the secretariat opens plans."))
    plan = Plan(
        alliance=alliance,
        title=title,
        description=description,
        period_start=period_start,
        period_end=period_end,
    )
    if classification is not None:
        plan.classification = classification
    with transaction.atomic():
        plan.full_clean()
        errors: dict[str, list[str]] = {}
        _check_marking(actor, plan.classification, releasable_to, errors)
        if errors:
            raise ValidationError(errors)
        plan.save()
        plan.releasable_to.set(releasable_to)
        _audit_item(
            actor=actor,
            verb="plan.create",
            item=plan,
            payload={
                "changes": {
                    name: {"before": None, "after": plain(_current(plan, name))}
                    for name in ("title", "period_start", "period_end", "classification")
                }
            },
        )
    return plan


def plan_update(*, plan: Plan, actor: User, lock_version: int, data: PlanChanges) -> Plan:
    """Change the plan's own fields (secretariat, editable plan). Refuses a period that would
    leave actions outside it."""
    _check_allowed(data, PLAN_FIELDS)
    _require(actor, "plans.change_plan_details", plan, _("Only the secretariat edits the plan."))

    def validate(fresh: Plan, m2m: dict[str, Any]) -> None:
        errors: dict[str, list[str]] = {}
        outside = (
            Action.objects.filter(plan=fresh)
            .filter(
                models.Q(start_date__lt=fresh.period_start)
                | models.Q(end_date__gt=fresh.period_end)
            )
            .count()
        )
        if outside:
            errors["period_start"] = [
                _("%(count)s action(s) would fall outside this period: change them first.")
                % {"count": outside}
            ]
        _check_marking(actor, fresh.classification, m2m.get("releasable_to", ()), errors)
        if errors:
            raise ValidationError(errors)

    with transaction.atomic():
        updated, _reset = _update(
            plan,
            actor=actor,
            plan=plan,
            lock_version=lock_version,
            data=data,
            verb="plan.update",
            validate=validate,
        )
    return updated


# --- Axes ------------------------------------------------------------------------------------


def axis_create(*, plan: Plan, actor: User, data: AxisChanges) -> Axis:
    """Add an axis at the end of the plan (code ``A<n>`` unless the secretariat gives one)."""
    _check_allowed(data, AXIS_FIELDS)
    _require_edit(actor, plan)
    with transaction.atomic():
        return _create(
            Axis(plan=plan),
            actor=actor,
            plan=plan,
            data=data,
            siblings=Axis.objects.filter(plan=plan),
            stem="A",
            verb="axis.create",
        )


def axis_update(*, axis: Axis, actor: User, lock_version: int, data: AxisChanges) -> Axis:
    _check_allowed(data, AXIS_FIELDS)
    _require_edit(actor, axis.plan)
    with transaction.atomic():
        updated, code_reset = _update(
            axis,
            actor=actor,
            plan=axis.plan,
            lock_version=lock_version,
            data=data,
            verb="axis.update",
        )
        if code_reset:
            _renumber(axis.plan)
            updated.refresh_from_db()
    return updated


def axis_delete(*, axis: Axis, actor: User, lock_version: int | None = None) -> None:
    """Delete an axis with its objectives, actions, indicators and milestones.

    Refused when it holds actions the actor may not see (they would vanish unseen)."""
    _require_edit(actor, axis.plan)
    with transaction.atomic():
        _check_lock(axis, lock_version)
        actions = Action.objects.filter(objective__axis=axis)
        if _hidden_actions(actor, actions):
            raise PermissionDenied(
                _("This axis holds actions you may not see: ask the secretariat to delete it.")
            )
        _delete(
            axis,
            actor=actor,
            verb="axis.delete",
            payload={
                "title": axis.title,
                "objectives": axis.objectives.count(),
                "actions": actions.count(),
            },
        )


def axis_move(*, axis: Axis, actor: User, position: int) -> Axis:
    """Put the axis at ``position`` (1-based) and renumber the codes."""
    _require_edit(actor, axis.plan)
    with transaction.atomic():
        return _move(
            axis,
            actor=actor,
            parent_field=None,
            new_parent=None,
            position=position,
            verb="axis.move",
        )


# --- Objectives ------------------------------------------------------------------------------


def objective_create(*, axis: Axis, actor: User, data: ObjectiveChanges) -> Objective:
    _check_allowed(data, OBJECTIVE_FIELDS)
    plan = axis.plan
    _require_edit(actor, plan)
    with transaction.atomic():
        return _create(
            Objective(plan=plan, axis=axis),
            actor=actor,
            plan=plan,
            data=data,
            siblings=Objective.objects.filter(axis=axis),
            stem=f"O{axis.position}.",
            verb="objective.create",
        )


def objective_update(
    *, objective: Objective, actor: User, lock_version: int, data: ObjectiveChanges
) -> Objective:
    _check_allowed(data, OBJECTIVE_FIELDS)
    _require_edit(actor, objective.plan)
    with transaction.atomic():
        updated, code_reset = _update(
            objective,
            actor=actor,
            plan=objective.plan,
            lock_version=lock_version,
            data=data,
            verb="objective.update",
        )
        if code_reset:
            _renumber(objective.plan)
            updated.refresh_from_db()
    return updated


def objective_delete(*, objective: Objective, actor: User, lock_version: int | None = None) -> None:
    _require_edit(actor, objective.plan)
    with transaction.atomic():
        _check_lock(objective, lock_version)
        actions = Action.objects.filter(objective=objective)
        if _hidden_actions(actor, actions):
            raise PermissionDenied(
                _("This objective holds actions you may not see: ask the secretariat to delete it.")
            )
        _delete(
            objective,
            actor=actor,
            verb="objective.delete",
            payload={"title": objective.title, "actions": actions.count()},
        )


def objective_move(
    *, objective: Objective, actor: User, position: int, axis: Axis | None = None
) -> Objective:
    """Move the objective to ``position`` under ``axis`` (default: its own)."""
    _require_edit(actor, objective.plan)
    with transaction.atomic():
        return _move(
            objective,
            actor=actor,
            parent_field="axis",
            new_parent=axis,
            position=position,
            verb="objective.move",
        )


# --- Actions ---------------------------------------------------------------------------------


def _action_validator(actor: User, plan: Plan) -> Any:
    def validate(action: Action, m2m: dict[str, Any]) -> None:
        partner_states = (
            m2m["partner_states"] if "partner_states" in m2m else list(action.partner_states.all())
        )
        releasable_to = (
            m2m["releasable_to"] if "releasable_to" in m2m else list(action.releasable_to.all())
        )
        _check_action_rules(
            actor=actor,
            plan=plan,
            lead_state=action.lead_state,
            partner_states=partner_states,
            classification=action.classification,
            releasable_to=releasable_to,
            responsible_organisation=action.responsible_organisation,
        )

    return validate


def action_create(*, objective: Objective, actor: User, data: ActionChanges) -> Action:
    """Add an action at the end of ``objective``.

    ``data`` needs at least title, lead_state, start_date and end_date (``ValidationError``
    otherwise). Classification defaults to the lowest level."""
    _check_allowed(data, ACTION_FIELDS)
    plan = objective.plan
    _require_edit(actor, plan)
    action = Action(plan=plan, objective=objective)
    with transaction.atomic():
        fields, _m2m = _split(data)
        for name, value in fields.items():
            setattr(action, name, value)
        if "lead_state" in data:
            _check_action_rules(
                actor=actor,
                plan=plan,
                lead_state=data["lead_state"],
                partner_states=list(data.get("partner_states", ())),
                classification=data.get("classification") or MarkingLevel.lowest(),
                releasable_to=list(data.get("releasable_to", ())),
                responsible_organisation=data.get("responsible_organisation"),
            )
        axis_position = objective.axis.position
        return _create(
            action,
            actor=actor,
            plan=plan,
            data=data,
            siblings=Action.objects.filter(objective=objective),
            stem=f"A{axis_position}.{objective.position}.",
            verb="action.create",
        )


def action_update(*, action: Action, actor: User, lock_version: int, data: ActionChanges) -> Action:
    """Change an action the actor sees; ``ConflictError`` if it changed since ``lock_version``."""
    _check_allowed(data, ACTION_FIELDS)
    plan = action.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, action.pk, allow_missing=True)
    with transaction.atomic():
        updated, code_reset = _update(
            action,
            actor=actor,
            plan=plan,
            lock_version=lock_version,
            data=data,
            verb="action.update",
            validate=_action_validator(actor, plan),
        )
        if code_reset:
            _renumber(plan)
            updated.refresh_from_db()
    return updated


def action_delete(*, action: Action, actor: User, lock_version: int | None = None) -> None:
    plan = action.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, action.pk)
    with transaction.atomic():
        _check_lock(action, lock_version)
        _delete(
            action,
            actor=actor,
            verb="action.delete",
            payload={"title": action.title, "indicators": action.indicators.count()},
        )


def action_move(
    *, action: Action, actor: User, position: int, objective: Objective | None = None
) -> Action:
    """Move the action to ``position`` under ``objective`` (default: its own)."""
    _require_edit(actor, action.plan)
    _require_visible_action(actor, action.pk)
    with transaction.atomic():
        return _move(
            action,
            actor=actor,
            parent_field="objective",
            new_parent=objective,
            position=position,
            verb="action.move",
        )


# --- Indicators ------------------------------------------------------------------------------


def indicator_create(*, action: Action, actor: User, data: IndicatorChanges) -> Indicator:
    _check_allowed(data, INDICATOR_FIELDS)
    plan = action.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, action.pk)
    with transaction.atomic():
        return _create(
            Indicator(plan=plan, action=action),
            actor=actor,
            plan=plan,
            data=data,
            siblings=Indicator.objects.filter(action=action),
            stem=f"I{action.objective.axis.position}.{action.objective.position}."
            f"{action.position}.",
            verb="indicator.create",
        )


def indicator_update(
    *, indicator: Indicator, actor: User, lock_version: int, data: IndicatorChanges
) -> Indicator:
    _check_allowed(data, INDICATOR_FIELDS)
    plan = indicator.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, indicator.action_id, allow_missing=True)
    with transaction.atomic():
        updated, code_reset = _update(
            indicator,
            actor=actor,
            plan=plan,
            lock_version=lock_version,
            data=data,
            verb="indicator.update",
        )
        if code_reset:
            _renumber(plan)
            updated.refresh_from_db()
    return updated


def indicator_delete(*, indicator: Indicator, actor: User, lock_version: int | None = None) -> None:
    _require_edit(actor, indicator.plan)
    _require_visible_action(actor, indicator.action_id)
    with transaction.atomic():
        _check_lock(indicator, lock_version)
        _delete(indicator, actor=actor, verb="indicator.delete", payload={"name": indicator.name})


def indicator_move(
    *, indicator: Indicator, actor: User, position: int, action: Action | None = None
) -> Indicator:
    _require_edit(actor, indicator.plan)
    _require_visible_action(actor, indicator.action_id)
    if action is not None:
        _require_visible_action(actor, action.pk)
    with transaction.atomic():
        return _move(
            indicator,
            actor=actor,
            parent_field="action",
            new_parent=action,
            position=position,
            verb="indicator.move",
        )


# --- Milestones ------------------------------------------------------------------------------


def milestone_create(*, action: Action, actor: User, data: MilestoneChanges) -> Milestone:
    _check_allowed(data, MILESTONE_FIELDS)
    plan = action.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, action.pk)
    with transaction.atomic():
        return _create(
            Milestone(plan=plan, action=action),
            actor=actor,
            plan=plan,
            data=data,
            siblings=Milestone.objects.filter(action=action),
            stem="",
            verb="milestone.create",
        )


def milestone_update(
    *, milestone: Milestone, actor: User, lock_version: int, data: MilestoneChanges
) -> Milestone:
    _check_allowed(data, MILESTONE_FIELDS)
    plan = milestone.plan
    _require_edit(actor, plan)
    _require_visible_action(actor, milestone.action_id, allow_missing=True)
    with transaction.atomic():
        updated, _reset = _update(
            milestone,
            actor=actor,
            plan=plan,
            lock_version=lock_version,
            data=data,
            verb="milestone.update",
        )
    return updated


def milestone_delete(*, milestone: Milestone, actor: User, lock_version: int | None = None) -> None:
    _require_edit(actor, milestone.plan)
    _require_visible_action(actor, milestone.action_id)
    with transaction.atomic():
        _check_lock(milestone, lock_version)
        _delete(milestone, actor=actor, verb="milestone.delete", payload={"title": milestone.title})


def milestone_move(
    *, milestone: Milestone, actor: User, position: int, action: Action | None = None
) -> Milestone:
    _require_edit(actor, milestone.plan)
    _require_visible_action(actor, milestone.action_id)
    if action is not None:
        _require_visible_action(actor, action.pk)
    with transaction.atomic():
        return _move(
            milestone,
            actor=actor,
            parent_field="action",
            new_parent=action,
            position=position,
            verb="milestone.move",
        )


def item_move(
    *,
    item: Axis | Objective | Action | Indicator | Milestone,
    actor: User,
    position: int,
    parent: Axis | Objective | Action | Indicator | Milestone | None = None,
) -> Axis | Objective | Action | Indicator | Milestone:
    """Move any item to ``position`` (1-based), under ``parent`` if given (the API's move).

    ``ValidationError`` when ``parent`` is not of the kind the item hangs under."""
    expected = {Objective: Axis, Action: Objective, Indicator: Action, Milestone: Action}.get(
        type(item)
    )
    if parent is not None and (expected is None or not isinstance(parent, expected)):
        raise ValidationError({"parent": _("This item cannot be placed under that parent.")})
    if isinstance(item, Axis):
        return axis_move(axis=item, actor=actor, position=position)
    if isinstance(item, Objective):
        return objective_move(
            objective=item,
            actor=actor,
            position=position,
            axis=parent,  # type: ignore[arg-type]
        )
    if isinstance(item, Action):
        return action_move(
            action=item,
            actor=actor,
            position=position,
            objective=parent,  # type: ignore[arg-type]
        )
    if isinstance(item, Indicator):
        return indicator_move(
            indicator=item,
            actor=actor,
            position=position,
            action=parent,  # type: ignore[arg-type]
        )
    return milestone_move(
        milestone=item,
        actor=actor,
        position=position,
        action=parent,  # type: ignore[arg-type]
    )


# --- Comments --------------------------------------------------------------------------------


def find_item_kind(*, plan: Plan, actor: User, item_uid: uuid.UUID) -> str:
    """The kind of the item ``item_uid`` of ``plan`` as the actor sees it, or ``ItemNotFound``."""
    if plan.uid == item_uid:
        return ItemKind.PLAN
    for kind, model, owner in (
        (ItemKind.AXIS, Axis, None),
        (ItemKind.OBJECTIVE, Objective, None),
        (ItemKind.ACTION, Action, "pk"),
        (ItemKind.INDICATOR, Indicator, "action_id"),
        (ItemKind.MILESTONE, Milestone, "action_id"),
    ):
        manager: Any = model.objects
        row = manager.filter(plan=plan, uid=item_uid).values(*{"pk", owner or "pk"}).first()
        if row is None:
            continue
        if owner is not None:
            _require_visible_action(actor, row[owner])
        return kind
    raise ItemNotFound


def comment_add(
    *, plan: Plan, actor: User, item_uid: uuid.UUID, body: str, parent: Comment | None = None
) -> Comment:
    """Comment on an item of the plan (or on the plan itself), or reply to a thread."""
    _require(actor, "plans.comment", plan, _("You may not comment on this plan."))
    kind = find_item_kind(plan=plan, actor=actor, item_uid=item_uid)
    text = body.strip()
    if not text:
        raise ValidationError({"body": _("The comment is empty.")})
    if len(text) > 10_000:
        raise ValidationError({"body": _("A comment holds at most 10,000 characters.")})
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent  # replies hang under the thread's first comment
    if parent is not None and (parent.plan_id != plan.pk or parent.item_uid != item_uid):
        raise ValidationError({"parent": _("A reply must be on the same item as its thread.")})
    with transaction.atomic():
        comment = Comment.objects.create(
            plan=plan, item_kind=kind, item_uid=item_uid, parent=parent, author=actor, body=text
        )
        audit_record(
            actor=actor,
            verb="comment.add",
            target=comment,
            payload={
                "uid": str(comment.uid),
                "plan": str(plan.uid),
                "item_uid": str(item_uid),
                "item_kind": kind,
                "parent": str(parent.uid) if parent is not None else None,
            },
        )
    return comment


def _thread(comment: Comment) -> Comment:
    return comment.parent or comment


def comment_resolve(*, comment: Comment, actor: User) -> Comment:
    """Mark the comment's thread resolved (idempotent: a resolved thread stays as it was)."""
    thread = _thread(comment)
    _require(actor, "plans.comment", thread.plan, _("You may not resolve comments here."))
    find_item_kind(plan=thread.plan, actor=actor, item_uid=thread.item_uid)
    now = timezone.now()
    with transaction.atomic():
        rows = Comment.objects.filter(pk=thread.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=actor, updated_at=now
        )
        if rows:
            audit_record(
                actor=actor,
                verb="comment.resolve",
                target=thread,
                payload={"uid": str(thread.uid), "item_uid": str(thread.item_uid)},
            )
    thread.refresh_from_db()
    return thread


def comment_reopen(*, comment: Comment, actor: User) -> Comment:
    """Reopen a resolved thread (idempotent)."""
    thread = _thread(comment)
    _require(actor, "plans.comment", thread.plan, _("You may not reopen comments here."))
    find_item_kind(plan=thread.plan, actor=actor, item_uid=thread.item_uid)
    with transaction.atomic():
        rows = Comment.objects.filter(pk=thread.pk, resolved_at__isnull=False).update(
            resolved_at=None, resolved_by=None, updated_at=timezone.now()
        )
        if rows:
            audit_record(
                actor=actor,
                verb="comment.reopen",
                target=thread,
                payload={"uid": str(thread.uid), "item_uid": str(thread.item_uid)},
            )
    thread.refresh_from_db()
    return thread


# --- Versions --------------------------------------------------------------------------------


def plan_version_freeze(
    *, plan: Plan, actor: User, note: str = "", frozen_at: datetime | None = None
) -> PlanVersion:
    """Freeze the live draft into the next immutable version (secretariat, editable plan).

    The version holds the canonical JSON (RFC 8785) of the whole plan and its SHA-256. The
    plan's status does not change here (the validation workflow moves it). ``frozen_at``
    records a historical freeze (demo, migration of past plans); pages and API never pass it.
    """
    _require(actor, "plans.freeze_plan", plan, _("Only the secretariat freezes a plan."))
    with transaction.atomic():
        # NO KEY UPDATE, not UPDATE: a comment or an item added at the same moment checks its
        # foreign key to the plan at COMMIT (KEY SHARE), after its audit row took the chain
        # head; a FOR UPDATE here would wait for that head while holding the plan, and
        # PostgreSQL would end one of the two in a deadlock (docs/decisions/0184).
        locked = Plan.objects.select_for_update(no_key=True).get(pk=plan.pk)
        if not locked.is_editable:
            raise PermissionDenied(_("Only a plan being drafted can be frozen."))
        document = plan_snapshot(plan=locked)
        canonical = canonical_json(document)
        number = (
            PlanVersion.objects.filter(plan=locked).aggregate(highest=Max("number"))["highest"] or 0
        ) + 1
        version = PlanVersion.objects.create(
            plan=locked,
            number=number,
            canonical=canonical.decode("utf-8"),
            digest=sha256_hex(canonical),
            author=actor,
            created_at=frozen_at or timezone.now(),
            note=note.strip(),
        )
        audit_record(
            actor=actor,
            verb="plan.freeze",
            target=locked,
            payload={
                "uid": str(locked.uid),
                "version": number,
                "digest": version.digest,
                "note": version.note,
                "frozen_at": version.created_at.isoformat(),
            },
        )
    return version
