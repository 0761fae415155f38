"""Differences between two plan documents (frozen versions or the live draft), by uid.

A pure function over two documents of ``snapshot.build_document``'s shape:

- **added** / **removed**: uids present in one document only (children of an added axis
  are listed too, each under its own entry);
- **moved**: same uid, another parent, or another place among the siblings it kept (siblings
  that merely shifted because something was inserted or removed before them are not moved:
  only items outside the longest run that kept its order are);
- **changed**: same uid, field values differ (``position`` excepted: order is "moved").

Identical documents give an empty diff (``is_empty``).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any, Literal

from liptako.plans.snapshot import Viewer

Kind = Literal["axis", "objective", "action", "indicator", "milestone"]
ChangeKind = Literal["added", "removed", "moved", "changed"]

_CHILDREN: dict[str, tuple[str, Kind] | None] = {
    "axis": ("objectives", "objective"),
    "objective": ("actions", "action"),
    "action": None,  # indicators and milestones, handled below
}
_IGNORED_FIELDS = frozenset({"position", "objectives", "actions", "indicators", "milestones"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class FlatItem:
    uid: str
    kind: Kind
    parent_uid: str | None
    index: int
    fields: dict[str, Any]
    action: dict[str, Any] | None  # the action node owning it (itself for an action)

    @property
    def code(self) -> str:
        return str(self.fields.get("code") or "")

    @property
    def label(self) -> str:
        return str(self.fields.get("title") or self.fields.get("name") or "")


@dataclass(frozen=True)
class DiffEntry:
    """One item that differs; ``changes`` lists field changes (``changed`` entries)."""

    uid: str
    kind: Kind
    change: ChangeKind
    code: str
    label: str
    changes: tuple[FieldChange, ...] = ()
    parent_before: str | None = None  # for moved entries: the parent uids
    parent_after: str | None = None
    action_uid: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "kind": self.kind,
            "change": self.change,
            "code": self.code,
            "label": self.label,
            "changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in self.changes
            ],
            "parent_before": self.parent_before,
            "parent_after": self.parent_after,
        }


@dataclass(frozen=True)
class RedactedDiffEntry:
    """An action the reader may not see that differs: its code, marking and kinds of change."""

    code: str
    classification: str
    changes_kinds: tuple[ChangeKind, ...]
    is_redacted: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "redacted": True,
            "kind": "action",
            "code": self.code,
            "classification": self.classification,
            "change_kinds": list(self.changes_kinds),
        }


@dataclass
class PlanDiff:
    plan_changes: list[FieldChange] = field(default_factory=list)
    added: list[DiffEntry] = field(default_factory=list)
    removed: list[DiffEntry] = field(default_factory=list)
    moved: list[DiffEntry] = field(default_factory=list)
    changed: list[DiffEntry] = field(default_factory=list)
    redacted: list[RedactedDiffEntry] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.plan_changes
            or self.added
            or self.removed
            or self.moved
            or self.changed
            or self.redacted
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "is_empty": self.is_empty,
            "plan_changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in self.plan_changes
            ],
            "added": [e.as_dict() for e in self.added],
            "removed": [e.as_dict() for e in self.removed],
            "moved": [e.as_dict() for e in self.moved],
            "changed": [e.as_dict() for e in self.changed],
            "redacted": [e.as_dict() for e in self.redacted],
        }


def flatten(document: dict[str, Any]) -> dict[str, FlatItem]:
    """Every item of the document by uid, in document order."""
    items: dict[str, FlatItem] = {}

    def add(
        node: dict[str, Any],
        kind: Kind,
        parent: str | None,
        index: int,
        action: dict[str, Any] | None,
    ) -> None:
        if node.get("redacted"):
            return
        fields = {k: v for k, v in node.items() if k not in _IGNORED_FIELDS}
        owner = node if kind == "action" else action
        items[node["uid"]] = FlatItem(
            uid=node["uid"],
            kind=kind,
            parent_uid=parent,
            index=index,
            fields=fields,
            action=owner,
        )
        if kind == "action":
            for i, child in enumerate(node.get("indicators", [])):
                add(child, "indicator", node["uid"], i, node)
            for i, child in enumerate(node.get("milestones", [])):
                add(child, "milestone", node["uid"], i, node)
            return
        children = _CHILDREN.get(kind)
        if children is not None:
            key, child_kind = children
            for i, child in enumerate(node.get(key, [])):
                add(child, child_kind, node["uid"], i, None)

    for index, axis in enumerate(document.get("axes", [])):
        add(axis, "axis", None, index, None)
    return items


def _longest_increasing_run(values: list[int]) -> set[int]:
    """Indexes (into ``values``) of one longest strictly increasing subsequence."""
    if not values:
        return set()
    tails: list[int] = []  # index into values of the smallest tail of each length
    previous: list[int] = [-1] * len(values)
    tail_values: list[int] = []
    for i, value in enumerate(values):
        position = bisect_left(tail_values, value)
        if position == len(tail_values):
            tail_values.append(value)
            tails.append(i)
        else:
            tail_values[position] = value
            tails[position] = i
        previous[i] = tails[position - 1] if position > 0 else -1
    kept: set[int] = set()
    i = tails[-1]
    while i != -1:
        kept.add(i)
        i = previous[i]
    return kept


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    names = list(before) + [name for name in after if name not in before]
    return tuple(
        FieldChange(field=name, before=before.get(name), after=after.get(name))
        for name in names
        if name != "uid" and before.get(name) != after.get(name)
    )


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    """What changed from ``old`` to ``new`` (both full, unredacted documents)."""
    result = PlanDiff()
    result.plan_changes = list(_field_changes(old.get("plan", {}), new.get("plan", {})))
    before = flatten(old)
    after = flatten(new)

    def entry(item: FlatItem, change: ChangeKind, **extra: Any) -> DiffEntry:
        action_uid = item.action["uid"] if item.action is not None else None
        return DiffEntry(
            uid=item.uid,
            kind=item.kind,
            change=change,
            code=item.code,
            label=item.label,
            action_uid=action_uid,
            **extra,
        )

    for uid, item in after.items():
        if uid not in before:
            result.added.append(entry(item, "added"))
    for uid, item in before.items():
        if uid not in after:
            result.removed.append(entry(item, "removed"))

    # Moves: another parent, or out of order among the siblings kept under the same parent.
    siblings: dict[tuple[str, str | None], list[FlatItem]] = {}
    moved: set[str] = set()
    for uid, item in after.items():
        previous = before.get(uid)
        if previous is None:
            continue
        if previous.parent_uid != item.parent_uid:
            moved.add(uid)
        else:
            siblings.setdefault((item.kind, item.parent_uid), []).append(item)
    for group in siblings.values():
        ordered = sorted(group, key=lambda i: i.index)
        old_indexes = [before[i.uid].index for i in ordered]
        kept = _longest_increasing_run(old_indexes)
        moved.update(item.uid for n, item in enumerate(ordered) if n not in kept)
    for uid, item in after.items():
        if uid in moved:
            result.moved.append(
                entry(
                    item,
                    "moved",
                    parent_before=before[uid].parent_uid,
                    parent_after=item.parent_uid,
                )
            )
        previous = before.get(uid)
        if previous is not None:
            changes = _field_changes(previous.fields, item.fields)
            if changes:
                result.changed.append(entry(item, "changed", changes=changes))
    return result


def redact_diff(
    diff: PlanDiff, *, old: dict[str, Any], new: dict[str, Any], viewer: Viewer
) -> PlanDiff:
    """The diff as ``viewer`` may read it: entries inside actions they may not see (in either
    document) collapse into one redacted entry per action (its code and marking only)."""
    old_actions = {uid: item.fields for uid, item in flatten(old).items() if item.kind == "action"}
    new_actions = {uid: item.fields for uid, item in flatten(new).items() if item.kind == "action"}

    def hidden(action_uid: str | None) -> bool:
        if action_uid is None:
            return False
        versions = [d[action_uid] for d in (old_actions, new_actions) if action_uid in d]
        return any(not viewer.may_see(fields) for fields in versions)

    redacted: dict[str, list[ChangeKind]] = {}
    result = PlanDiff(plan_changes=list(diff.plan_changes))
    for name in ("added", "removed", "moved", "changed"):
        kept: list[DiffEntry] = []
        for item in getattr(diff, name):
            if hidden(item.action_uid):
                kinds = redacted.setdefault(str(item.action_uid), [])
                if item.change not in kinds:
                    kinds.append(item.change)
            else:
                kept.append(item)
        setattr(result, name, kept)
    for action_uid, kinds in redacted.items():
        fields = new_actions.get(action_uid) or old_actions[action_uid]
        result.redacted.append(
            RedactedDiffEntry(
                code=str(fields["code"]),
                classification=str(fields["classification"]),
                changes_kinds=tuple(kinds),
            )
        )
    result.redacted.sort(key=lambda e: e.code)
    return result
