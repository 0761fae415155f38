"""The JSON API at /api/v1/: one NinjaAPI, one router per app.

Every operation requires a personal token or the browser session (api/auth.py) unless it
declares ``auth=None``. Errors are JSON ``{"detail": "<translated message>"}``
(docs/decisions/0014-api-authentication-and-errors.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from liptako.api import accounts, alliance, meetings, monitoring, plans, validation
from liptako.api.auth import session_auth, token_auth
from liptako.core.uploads import UploadTooLarge, max_upload_bytes


class LiptakoAPI(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        # The API answers for itself: 401 in JSON from its own auth, not the log-in page
        # redirect of LoginRequiredMiddleware. The OpenAPI description and the docs page are
        # public (they are built with auth=None, see docs_decorator).
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                login_not_required(pattern.callback)
        return urls


api = LiptakoAPI(
    title="Liptako API",
    version="1",
    urls_namespace="api",
    description="Plans, validation, meetings and monitoring of an alliance's joint action plans.",
    auth=[token_auth, session_auth],
    docs_decorator=login_not_required,
)


def _error(request: HttpRequest, message: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        _("Authentication required: send a valid API token or log in."),
        401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
@api.exception_handler(PermissionDenied)
def authorization_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, _("You are not allowed to do this."), 403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, _("Not found."), 404)


@api.exception_handler(UploadTooLarge)
def upload_too_large(request: HttpRequest, exc: UploadTooLarge) -> HttpResponse:
    return _error(
        request,
        _("The file is too large (%(size)s MB at most).")
        % {"size": max_upload_bytes() // (1024 * 1024)},
        413,
    )


@api.exception_handler(RequestDataTooBig)
def request_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # A JSON body announced above DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses it from its
    # Content-Length before reading it (request.body); without this, a 400 in English.
    return _error(
        request,
        _("The request is too large (%(size)s KB at most).")
        % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024},
        413,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja's own refusals are in English ("Cannot parse request body": a body that is
    # not JSON, or not UTF-8): the caller gets the API's French message instead.
    if exc.status_code == 400:
        return _error(request, _("The request is not valid."), 400)
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, _("The request is not valid."), 422, errors=exc.errors)


api.add_router("/", accounts.router)
api.add_router("/", alliance.router)
api.add_router("/plans/", plans.router)
api.add_router("/meetings/", meetings.router)
api.add_router("/validation/", validation.router)
api.add_router("/monitoring/", monitoring.router)
