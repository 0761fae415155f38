"""Downloads of the plan documents and the letter template page (thin views)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from liptako.documents import selectors, services
from liptako.documents.bundles import version_bundle_for_user
from liptako.documents.forms import LetterTemplateForm
from liptako.documents.pdf import render_letter_pdf, render_plan_pdf
from liptako.documents.rendered import plan_pdf
from liptako.documents.reports import PlanReport, TransmissionLetter
from liptako.documents.word import render_letter_docx, render_plan_docx
from liptako.plans.permissions import access_plan
from liptako.plans.selectors import version_for_user

if TYPE_CHECKING:
    from liptako.accounts.models import User

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # marked documents stay out of shared caches
    return response


def _language(request: HttpRequest) -> str:
    return selectors.report_language(request.GET.get("lang"))


def _version_report(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> PlanReport:
    plan = access_plan(request.user, plan_uid)
    version = version_for_user(user=request.user, plan=plan, number=number)
    return selectors.version_report_for_user(
        user=request.user, version=version, language=_language(request)
    )


def _draft_report(request: HttpRequest, plan_uid: uuid.UUID) -> PlanReport:
    plan = access_plan(request.user, plan_uid)
    return selectors.draft_report_for_user(
        user=request.user, plan=plan, language=_language(request)
    )


def _name(report: PlanReport, extension: str) -> str:
    if report.is_draft:
        return f"plan-brouillon.{extension}"
    return f"plan-v{report.version_number}-{report.digest[:12]}.{extension}"


@require_GET
def version_pdf(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    report = _version_report(request, plan_uid, number)
    return _download(plan_pdf(report), PDF, _name(report, "pdf"))


@require_GET
def version_docx(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    report = _version_report(request, plan_uid, number)
    return _download(render_plan_docx(report), DOCX, _name(report, "docx"))


@require_GET
def draft_pdf(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    report = _draft_report(request, plan_uid)
    return _download(render_plan_pdf(report), PDF, _name(report, "pdf"))


@require_GET
def draft_docx(request: HttpRequest, plan_uid: uuid.UUID) -> HttpResponse:
    report = _draft_report(request, plan_uid)
    return _download(render_plan_docx(report), DOCX, _name(report, "docx"))


@require_GET
def version_bundle(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    """The signed bundle (zip) with the version's PDF; only for a reader who sees all of it."""
    plan = access_plan(request.user, plan_uid)
    version = version_for_user(user=request.user, plan=plan, number=number)
    bundle = version_bundle_for_user(
        user=request.user, version=version, language=_language(request)
    )
    return _download(bundle, "application/zip", f"plan-{plan.uid}-v{version.number}.zip")


def _transmission_letter(
    request: HttpRequest, plan_uid: uuid.UUID, number: int
) -> TransmissionLetter:
    plan = access_plan(request.user, plan_uid)
    version = version_for_user(user=request.user, plan=plan, number=number)
    if not request.user.has_perm("documents.issue_letter"):
        raise PermissionDenied(_("Only the secretariat issues transmission letters."))
    if not selectors.is_validated(version):
        raise Http404(_("Only a validated version is transmitted to the heads of state."))
    return selectors.transmission_letter_for_user(user=request.user, version=version)


@require_GET
def letter_pdf(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    letter = _transmission_letter(request, plan_uid, number)
    return _download(render_letter_pdf(letter), PDF, "lettre-de-transmission.pdf")


@require_GET
def letter_docx(request: HttpRequest, plan_uid: uuid.UUID, number: int) -> HttpResponse:
    letter = _transmission_letter(request, plan_uid, number)
    return _download(render_letter_docx(letter), DOCX, "lettre-de-transmission.docx")


@require_http_methods(["GET", "POST"])
def letter_template_edit(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("documents.change_letter_template"):
        raise PermissionDenied(_("Only the secretariat may edit letter templates."))
    template = selectors.letter_template()
    initial = {
        "lock_version": template.lock_version,
        "subject": template.subject,
        "body": template.body,
        "signature_block": template.signature_block,
    }
    form = LetterTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_template_update(
                template=template, actor=cast("User", request.user), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The letter template is saved."))
            return redirect("documents:letter-template")
    return render(request, "documents/letter_template.html", {"form": form, "template": template})
