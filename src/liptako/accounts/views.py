from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("member_state")  # type: ignore[union-attr]
    return render(request, "accounts/profile.html", {"memberships": memberships})
