from __future__ import annotations

from django.urls import path

from liptako.documents import views

app_name = "documents"

urlpatterns = [
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/plan.pdf",
        views.version_pdf,
        name="version-pdf",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/plan.docx",
        views.version_docx,
        name="version-docx",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/paquet.zip",
        views.version_bundle,
        name="version-bundle",
    ),
    path("plans/<uuid:plan_uid>/brouillon/plan.pdf", views.draft_pdf, name="draft-pdf"),
    path("plans/<uuid:plan_uid>/brouillon/plan.docx", views.draft_docx, name="draft-docx"),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/lettre-de-transmission.pdf",
        views.letter_pdf,
        name="letter-pdf",
    ),
    path(
        "plans/<uuid:plan_uid>/versions/<int:number>/lettre-de-transmission.docx",
        views.letter_docx,
        name="letter-docx",
    ),
    path("modeles/lettre-de-transmission/", views.letter_template_edit, name="letter-template"),
]
