"""The access matrix: every route and API operation, declared with the object it exposes.

The tests walk Django's URL resolver and the API's OpenAPI description; a route or an
operation that is not declared here fails the build with its name. A declaration is a tuple
of :class:`Case` (which path parameter names the object, and whose marking hides it), empty
for a route without an object in its path (lists, forms, own pages: those are covered by the
canary test, which reads every page and document for hidden titles).

Holders:
- ``plan``: the demo plan (and through it its versions, periods, reports, evidence,
  statements and audit events);
- ``action``: an action of that plan (the plan stays visible);
- ``meeting``: the demo meeting (agenda, attendance, minutes, communiqué);
- ``decision``: a decision of that meeting (the meeting stays visible);
- ``None``: an object without a marking (directory, keys, tokens): the same denial for an
  existing and a missing id is all that is asked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liptako.tests.access.world import World


@dataclass(frozen=True)
class Case:
    target: str  # the path parameter that names the object
    holder: str | None  # whose marking decides (see the module's docstring)


PLAN = Case("plan_uid", "plan")
ACTION = Case("item_uid", "action")
VERSION = Case("number", "plan")
MEETING = Case("meeting_uuid", "meeting")
API_MEETING = Case("meeting_id", "meeting")
PERIOD = Case("period_uid", "plan")
REPORT = Case("report_uid", "plan")

# Pages and web downloads: URL name -> cases.
WEB_ROUTES: dict[str, tuple[Case, ...]] = {
    "core:home": (),
    "core:healthz": (),
    "core:marking-stylesheet": (),
    "set_language": (),
    "accounts:login": (),
    "accounts:login-code": (),
    "accounts:two-factor": (),
    "accounts:two-factor-enrol": (),
    "accounts:two-factor-remove": (),
    # Passkeys (accounts/passkeys.py, decision 0221). Registration: a signed-in user whose
    # session owes no second factor, for themselves only. Removal: the owner only (someone
    # else's passkey is a 404 like a missing one). Log-in steps: only the session that gave
    # its password and owes its second factor (anonymous: the log-in page; verified: 403).
    "accounts:passkey-register-begin": (),
    "accounts:passkey-register-complete": (),
    "accounts:passkey-remove": (Case("passkey_id", None),),
    "accounts:passkey-login-begin": (),
    "accounts:passkey-login-complete": (),
    "accounts:recovery-codes": (),
    "accounts:logout": (),
    "accounts:password-change": (),
    "accounts:profile": (),
    "accounts:token-list": (),
    "accounts:token-revoke": (Case("token_id", None),),
    "alliance:index": (),
    "alliance:member-state-create": (),
    "alliance:member-state": (Case("code", None),),
    "alliance:member-state-update": (Case("code", None),),
    "alliance:organisation-list": (),
    "alliance:organisation-export": (),
    "alliance:organisation-create": (),
    "alliance:organisation": (Case("pk", None),),
    "alliance:organisation-update": (Case("pk", None),),
    "alliance:person-list": (),
    "alliance:person-export": (),
    "alliance:person-create": (),
    "alliance:person": (Case("pk", None),),
    "alliance:person-update": (Case("pk", None),),
    "alliance:position-create": (Case("pk", None),),
    "alliance:position-update": (Case("pk", None),),
    "alliance:position-end": (Case("pk", None),),
    "audit:event-list": (),
    "audit:event-export": (),
    "audit:event-detail": (Case("sequence", "plan"),),
    "plans:plan-list": (),
    "plans:plan-create": (),
    "plans:plan-detail": (PLAN,),
    "plans:plan-update": (PLAN,),
    "plans:item-create": (PLAN,),
    "plans:item-detail": (PLAN, ACTION),
    "plans:item-update": (PLAN, ACTION),
    "plans:item-delete": (PLAN, ACTION),
    "plans:item-move": (PLAN, ACTION),
    "plans:item-history": (PLAN, ACTION),
    "plans:comment-list": (PLAN, ACTION),
    "plans:comment-resolve": (PLAN, Case("comment_uid", None)),
    "plans:version-list": (PLAN,),
    "plans:version-freeze": (PLAN,),
    "plans:version-detail": (PLAN, VERSION),
    "plans:plan-diff": (PLAN,),
    "plans:plan-export": (PLAN,),
    "plans:plan-import": (PLAN,),
    "plans:roadmap": (PLAN,),
    "meetings:meeting-list": (),
    "meetings:calendar": (),
    "meetings:calendar-feed-settings": (),
    "meetings:calendar-feed": (Case("token", None),),
    "meetings:follow-up-list": (),
    "meetings:meeting-create": (),
    "meetings:meeting-detail": (MEETING,),
    "meetings:meeting-edit": (MEETING,),
    "meetings:meeting-transition": (MEETING,),
    "meetings:meeting-invitations-resend": (MEETING,),
    "meetings:meeting-ics": (MEETING,),
    "meetings:minutes-export": (MEETING,),
    "meetings:minutes-export-pdf": (MEETING,),
    "meetings:quorum-settings": (),
    "meetings:agenda-item-add": (MEETING,),
    "meetings:agenda-reorder": (MEETING,),
    "meetings:agenda-item-edit": (MEETING, Case("item_id", None)),
    "meetings:agenda-item-move": (MEETING, Case("item_id", None)),
    "meetings:agenda-item-remove": (MEETING, Case("item_id", None)),
    "meetings:attendance-add": (MEETING,),
    "meetings:attendance-edit": (MEETING, Case("attendance_id", None)),
    "meetings:attendance-remove": (MEETING, Case("attendance_id", None)),
    "meetings:decision-add": (MEETING,),
    "meetings:decision-edit": (Case("decision_uuid", "decision"),),
    "meetings:follow-up-status": (Case("decision_uuid", "decision"),),
    "meetings:minutes-section-edit": (MEETING, Case("item_id", None)),
    "meetings:minutes-transition": (MEETING,),
    "meetings:communique-generate": (MEETING,),
    "meetings:communique-detail": (MEETING,),
    "meetings:communique-approve": (MEETING,),
    "meetings:communique-export": (MEETING,),
    "validation:plan": (PLAN,),
    "validation:plan-open": (PLAN,),
    "validation:plan-withdraw": (PLAN,),
    "validation:plan-revise": (PLAN,),
    "validation:plan-close": (PLAN,),
    "validation:version-submit": (PLAN, VERSION),
    "validation:version-sign": (PLAN, VERSION),
    "validation:version-request-changes": (PLAN, VERSION),
    "validation:version-return": (PLAN, VERSION),
    "validation:version-bundle": (PLAN, VERSION),
    "validation:statement-download": (Case("statement_uid", "plan"),),
    "validation:key-list": (),
    "validation:key-register": (),
    "validation:key-confirm": (Case("key_uid", None),),
    "validation:key-revoke": (Case("key_uid", None),),
    "validation:quorum": (),
    "validation:verify": (),
    "monitoring:plan-list": (),
    "monitoring:dashboard": (PLAN,),
    "monitoring:state-dashboard": (PLAN,),
    "monitoring:periods": (PLAN,),
    "monitoring:data-xlsx": (PLAN,),
    "monitoring:action-progress": (PLAN, Case("action_uid", "action")),
    "monitoring:period-close": (PERIOD,),
    "monitoring:period-reopen": (PERIOD,),
    "monitoring:period-targets": (PERIOD,),
    "monitoring:quarterly-pdf": (PERIOD,),
    "monitoring:quarterly-docx": (PERIOD,),
    "monitoring:report-edit": (PERIOD,),
    "monitoring:report-detail": (REPORT,),
    "monitoring:report-review": (REPORT,),
    "monitoring:report-revise": (REPORT,),
    "monitoring:evidence-upload": (REPORT,),
    "monitoring:evidence-download": (Case("evidence_uid", "plan"),),
    "documents:version-pdf": (PLAN, VERSION),
    "documents:version-bundle": (PLAN, VERSION),
    "documents:version-docx": (PLAN, VERSION),
    "documents:draft-pdf": (PLAN,),
    "documents:draft-docx": (PLAN,),
    "documents:letter-pdf": (PLAN, VERSION),
    "documents:letter-docx": (PLAN, VERSION),
    "documents:letter-template": (),
}

# URL names of the API that are not operations of its OpenAPI description.
API_NON_OPERATIONS = {"api:openapi-json", "api:openapi-view", "api:api-root"}

# API operations: operationId -> cases.
API_OPERATIONS: dict[str, tuple[Case, ...]] = {
    "liptako_api_accounts_me": (),
    "liptako_api_alliance_list_member_states": (),
    "liptako_api_alliance_list_organisations": (),
    "liptako_api_alliance_list_people": (),
    "liptako_api_alliance_get_person": (Case("person_id", None),),
    "liptako_api_plans_list_plans": (),
    "liptako_api_plans_get_plan_tree": (PLAN,),
    "liptako_api_plans_list_actions": (PLAN,),
    "liptako_api_plans_create_action": (PLAN,),
    "liptako_api_plans_list_versions": (PLAN,),
    "liptako_api_plans_freeze_plan": (PLAN,),
    "liptako_api_plans_get_version": (PLAN, VERSION),
    "liptako_api_plans_get_diff": (PLAN,),
    "liptako_api_plans_get_history": (PLAN, ACTION),
    "liptako_api_plans_list_comments": (PLAN, ACTION),
    "liptako_api_plans_add_comment": (PLAN, ACTION),
    "liptako_api_plans_export_plan_xlsx": (PLAN,),
    "liptako_api_plans_resolve_comment": (PLAN, Case("comment_uid", None)),
    "liptako_api_plans_create_axis": (PLAN,),
    "liptako_api_plans_update_axis": (PLAN,),
    "liptako_api_plans_delete_axis": (PLAN,),
    "liptako_api_plans_create_objective": (PLAN,),
    "liptako_api_plans_update_objective": (PLAN,),
    "liptako_api_plans_delete_objective": (PLAN,),
    "liptako_api_plans_get_action": (PLAN, ACTION),
    "liptako_api_plans_update_action": (PLAN, ACTION),
    "liptako_api_plans_delete_action": (PLAN, ACTION),
    "liptako_api_plans_create_indicator": (PLAN,),
    "liptako_api_plans_update_indicator": (PLAN,),
    "liptako_api_plans_delete_indicator": (PLAN,),
    "liptako_api_plans_create_milestone": (PLAN,),
    "liptako_api_plans_update_milestone": (PLAN,),
    "liptako_api_plans_delete_milestone": (PLAN,),
    "liptako_api_plans_move_item": (PLAN, ACTION),
    "liptako_api_meetings_list_meetings": (),
    "liptako_api_meetings_create_meeting": (),
    "liptako_api_meetings_list_follow_ups": (),
    "liptako_api_meetings_set_follow_up_status": (Case("decision_id", "decision"),),
    "liptako_api_meetings_get_meeting": (API_MEETING,),
    "liptako_api_meetings_move_meeting": (API_MEETING,),
    "liptako_api_meetings_meeting_ics": (API_MEETING,),
    "liptako_api_meetings_get_agenda": (API_MEETING,),
    "liptako_api_meetings_add_agenda_item": (API_MEETING,),
    "liptako_api_meetings_reorder_agenda": (API_MEETING,),
    "liptako_api_meetings_get_attendance": (API_MEETING,),
    "liptako_api_meetings_record_attendance": (API_MEETING,),
    "liptako_api_meetings_get_decisions": (API_MEETING,),
    "liptako_api_meetings_take_decision": (API_MEETING,),
    "liptako_api_meetings_get_minutes": (API_MEETING,),
    "liptako_api_meetings_write_minutes": (API_MEETING, Case("item_id", None)),
    "liptako_api_meetings_move_minutes": (API_MEETING,),
    "liptako_api_validation_version_status": (PLAN, VERSION),
    "liptako_api_validation_my_key": (),
    "liptako_api_validation_my_statements": (PLAN, VERSION),
    "liptako_api_validation_statement_issue": (PLAN, VERSION),
    "liptako_api_validation_signature_submit": (Case("statement_uid", "plan"),),
    "liptako_api_validation_bundle_verify": (),
    "liptako_api_monitoring_list_periods": (PLAN,),
    "liptako_api_monitoring_generate_periods": (PLAN,),
    "liptako_api_monitoring_close_period": (PERIOD,),
    "liptako_api_monitoring_reopen_period": (PERIOD,),
    "liptako_api_monitoring_set_target": (PERIOD, Case("indicator_uid", "action")),
    "liptako_api_monitoring_get_report": (PERIOD,),
    "liptako_api_monitoring_save_report": (PERIOD,),
    "liptako_api_monitoring_submit_report": (REPORT,),
    "liptako_api_monitoring_review_report": (REPORT,),
    "liptako_api_monitoring_revise_report": (REPORT,),
    "liptako_api_monitoring_get_rollup": (PLAN,),
    "liptako_api_monitoring_get_indicators": (PLAN,),
    "liptako_api_monitoring_get_dashboard": (PLAN,),
}

# Values of path parameters that depend on the route, not only on the parameter's name.
ROUTE_PARAMETERS: dict[str, dict[str, str]] = {
    "plans:item-create": {"kind": "axis"},
    "validation:version-sign": {"kind": "approve"},
}


def parameter_value(world: World, route: str, name: str, token_id: int) -> str:
    """The real value of a path parameter in the fixture world."""
    if name in ROUTE_PARAMETERS.get(route, {}):
        return ROUTE_PARAMETERS[route][name]
    if name == "pk":
        if route.startswith("alliance:organisation"):
            return str(world.organisation.pk)
        if route.startswith("alliance:position-") and route != "alliance:position-create":
            return str(world.position.pk)
        return str(world.person.pk)
    values: dict[str, Any] = {
        "plan_uid": world.plan.uid,
        "item_uid": world.action.uid,
        "action_uid": world.action.uid,
        "indicator_uid": world.indicator.uid,
        "comment_uid": world.comment.uid,
        "number": world.version.number,
        "year": world.plan.period_start.year,
        "kind": "axis",
        "meeting_uuid": world.meeting.uuid,
        "meeting_id": world.meeting.uuid,
        "item_id": world.agenda_item.pk,
        "attendance_id": world.attendance.pk,
        "decision_uuid": world.decision.uuid,
        "decision_id": world.decision.uuid,
        "language": world.communique.language,
        "fmt": "txt",
        "period_uid": world.period.uid,
        "state_code": world.report.member_state.code,
        "report_uid": world.report.uid,
        "evidence_uid": world.evidence.uid,
        "statement_uid": world.statement.uid,
        "key_uid": world.key.uid,
        "token_id": token_id,
        "passkey_id": world.passkey_id,
        "token": world.feed_token,
        "code": world.member_state.code,
        "sequence": world.plan_event.sequence,
        "person_id": world.person.pk,
    }
    if name not in values:
        raise KeyError(f"no value for the path parameter {name!r} of {route}: declare one")
    return str(values[name])


def missing_value(name: str) -> str:
    """A value of the same shape that names no object."""
    if name in {
        "token_id",
        "passkey_id",
        "number",
        "item_id",
        "attendance_id",
        "sequence",
        "pk",
        "person_id",
    }:
        return "987654321"
    if name in {"code", "state_code"}:
        return "ZZZ"
    if name == "token":
        return "x" * 43
    return str(uuid.uuid4())
