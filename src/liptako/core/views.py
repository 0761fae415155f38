from __future__ import annotations

import hashlib
import re

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liptako.core.home import home_sections
from liptako.core.models import HEX_COLOUR, MarkingLevel

#: How long browsers keep the marking stylesheet before asking again (with its ETag, so the
#: answer is then a bodiless 304 unless the scale changed).
MARKING_STYLESHEET_MAX_AGE = 300


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What awaits the user: one section per role they hold, filled by the apps' panels."""
    sections = home_sections(request, request.user.access)  # type: ignore[union-attr]
    return render(request, "core/home.html", {"sections": sections})


@login_not_required  # the log-in page shows the banner too; colours are no secret
@require_GET
def marking_stylesheet(request: HttpRequest) -> HttpResponse:
    """The colours of the marking scale, one rule per level, decision 0160.

    The colours live in the database, and the Content-Security-Policy forbids inline
    ``style`` attributes: badges and banners carry ``data-marking-level="<id>"``, this
    stylesheet colours them.
    """
    rules = [
        f'[data-marking-level="{level.pk}"]{{--marking-colour:{level.colour}}}'
        for level in MarkingLevel.objects.order_by("rank")
        if re.fullmatch(HEX_COLOUR, level.colour)
    ]
    body = "\n".join(rules) + "\n"
    etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=MARKING_STYLESHEET_MAX_AGE)
    return response
