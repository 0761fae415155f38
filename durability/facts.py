"""Reads an instance's database after a crash run and prints what the checks need, as JSON.

Run as ``python durability/facts.py PLAN_UID`` with the instance's environment (server
stopped). Besides the rows, it runs the database's own integrity check: ``PRAGMA
integrity_check`` and ``foreign_key_check`` on SQLite; on PostgreSQL, ``amcheck``'s
``bt_index_check`` on every B-tree index (each index agrees with its table's order) and a
check of every foreign key and unique constraint.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liptako.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402

from liptako.audit.models import AuditEvent  # noqa: E402
from liptako.monitoring.models import ProgressReport  # noqa: E402
from liptako.plans.models import Action, Comment, Plan, PlanVersion  # noqa: E402
from liptako.validation.models import Decision, VersionState  # noqa: E402


def integrity_problems() -> list[str]:
    problems: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            result = [row[0] for row in cursor.fetchall()]
            if result != ["ok"]:
                problems += result
            cursor.execute("PRAGMA foreign_key_check")
            problems += [f"foreign key: {row}" for row in cursor.fetchall()]
            return problems
        cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        cursor.execute(
            """SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE a.amname = 'btree' AND n.nspname = 'public'"""
        )
        for (index,) in cursor.fetchall():
            cursor.execute("SELECT bt_index_check(%s::regclass, true)", [index])
    # Both databases: every foreign key points at a row (SQLite defers nothing after commit;
    # on PostgreSQL this re-checks what the constraints promise).
    try:
        connection.check_constraints()
    except Exception as error:  # the check raises IntegrityError naming the row
        problems.append(str(error))
    return problems


def main(plan_uid: str) -> None:
    plan = Plan.objects.get(uid=plan_uid)
    events = AuditEvent.objects.order_by("sequence")
    freeze_events = [
        event.payload["version"]
        for event in events.filter(verb="plan.freeze", target_id=str(plan.pk))
    ]
    comment_targets = set(events.filter(verb="comment.add").values_list("target_id", flat=True))
    decision_targets = set(
        events.filter(verb__startswith="decision.").values_list("target_id", flat=True)
    )
    validated_events = Counter(
        events.filter(verb="version.validate").values_list("target_id", flat=True)
    )
    report_events: Counter[tuple[str, str]] = Counter()
    last_report_event: dict[str, str] = {}
    reports = {str(report.pk): str(report.uid) for report in ProgressReport.objects.all()}
    for target_id, verb in events.filter(
        verb__in=[f"progress_report.{kind}" for kind in ("submit", "return", "accept")]
    ).values_list("target_id", "verb"):
        kind = verb.split(".")[1]
        report_events[(reports[target_id], kind)] += 1
        last_report_event[reports[target_id]] = kind
    states = []
    for state in VersionState.objects.select_related("version"):
        approvals = Decision.objects.filter(version=state.version, kind="approve").count()
        states.append(
            {
                "version": state.version_id,
                "status": state.status,
                "approvals": approvals,
                "validate_events": validated_events.get(str(state.version_id), 0),
            }
        )
    facts = {
        "integrity": integrity_problems(),
        "versions": sorted(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)),
        "version_notes": list(PlanVersion.objects.filter(plan=plan).values_list("note", flat=True)),
        "freeze_events": sorted(freeze_events),
        "comments": [
            {"body": body, "has_event": str(pk) in comment_targets}
            for pk, body in Comment.objects.values_list("pk", "body")
        ],
        "decisions": [
            {"statement": str(statement), "has_event": str(pk) in decision_targets}
            for pk, statement in Decision.objects.filter(kind="approve").values_list(
                "pk", "statement__uid"
            )
        ],
        "states": states,
        "reports": [
            {
                "uid": str(report.uid),
                "status": report.status,
                "submitted": report.submitted_at is not None,
                "last_event": last_report_event.get(str(report.uid)),
            }
            for report in ProgressReport.objects.all()
        ],
        "report_events": [[uid, kind, count] for (uid, kind), count in report_events.items()],
        "action_titles": list(
            Action.objects.filter(plan=plan).order_by("pk").values_list("title", flat=True)
        ),
        "models": {
            model._meta.label: model._default_manager.count() for model in apps.get_models()
        },
    }
    json.dump(facts, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
