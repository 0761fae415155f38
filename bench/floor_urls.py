"""The product's URLs plus ``/bench/floor/``: the framework's floor for throughput ratios.

The floor is the cheapest useful Django view under the same settings and middleware (session,
login required, marking banner, CSRF, axes…): 100 rows from the ORM as JSON. The figures of
the product's pages and API are reported as a fraction of its requests per second.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from liptako.plans.models import Action
from liptako.urls import urlpatterns as product_urlpatterns

FLOOR_ROWS = 100


def floor(request: HttpRequest) -> JsonResponse:
    rows = list(
        Action.objects.order_by("id").values(
            "uid", "code", "title", "start_date", "end_date", "priority"
        )[:FLOOR_ROWS]
    )
    return JsonResponse({"count": len(rows), "items": rows})


urlpatterns = [path("bench/floor/", floor, name="bench-floor"), *product_urlpatterns]
