"""The audit page (/journal/): the secretariat reads, filters and opens events."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liptako.audit import selectors
from liptako.audit.forms import EventFilterForm
from liptako.audit.models import AuditEvent
from liptako.audit.permissions import access_audit_event, require_view_log


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    require_view_log(request.user)
    form = EventFilterForm(request.GET)
    events = selectors.event_list_for_user(user=request.user, filters=form.filters())
    page = Paginator(events, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "audit/_event_results.html", context)
    context["verbs"] = selectors.known_verbs()
    context["target_types"] = selectors.known_target_types()
    return render(request, "audit/event_list.html", context)


@require_GET
def event_detail(request: HttpRequest, sequence: int) -> HttpResponse:
    event = access_audit_event(request.user, sequence)
    context = {
        "event": event,
        "payload_json": json.dumps(event.payload, indent=2, ensure_ascii=False, sort_keys=True),
        "has_next": AuditEvent.objects.filter(sequence=event.sequence + 1).exists(),
    }
    return render(request, "audit/event_detail.html", context)


class _Echo:
    """A file-like object whose ``write`` returns the line, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


@require_GET
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered events as CSV, streamed (constant memory), times in the user's zone."""
    require_view_log(request.user)
    form = EventFilterForm(request.GET)
    events = selectors.event_list_for_user(user=request.user, filters=form.filters())
    writer = csv.writer(_Echo())
    zone = timezone.get_current_timezone()

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheet programs read UTF-8
        yield writer.writerow(
            [
                _("No."),
                _("Time"),
                _("Actor"),
                _("Account"),
                _("Action"),
                _("Object type"),
                _("Object id"),
                _("Object"),
                _("Details"),
                _("Hash"),
                _("Previous hash"),
            ]
        )
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.sequence,
                    event.occurred_at.astimezone(zone).isoformat(),
                    event.actor_label or _("System"),
                    event.actor_id or "",
                    event.verb,
                    event.target_type,
                    event.target_id,
                    event.target_label,
                    json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
                    event.hash,
                    event.prev_hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journal.csv"'
    return response
