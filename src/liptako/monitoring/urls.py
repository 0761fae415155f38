from __future__ import annotations

from django.urls import path

from liptako.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plans/<str:plan_uid>/", views.dashboard, name="dashboard"),
    path(
        "plans/<str:plan_uid>/etats/<str:state_code>/",
        views.state_dashboard,
        name="state-dashboard",
    ),
    path("plans/<str:plan_uid>/periodes/", views.periods, name="periods"),
    path("plans/<str:plan_uid>/donnees.xlsx", views.data_xlsx, name="data-xlsx"),
    path(
        "plans/<str:plan_uid>/actions/<str:action_uid>/",
        views.action_progress,
        name="action-progress",
    ),
    path("periodes/<str:period_uid>/cloturer/", views.period_close, name="period-close"),
    path("periodes/<str:period_uid>/rouvrir/", views.period_reopen, name="period-reopen"),
    path(
        "periodes/<str:period_uid>/rapport-trimestriel.pdf",
        views.quarterly_pdf,
        name="quarterly-pdf",
    ),
    path(
        "periodes/<str:period_uid>/rapport-trimestriel.docx",
        views.quarterly_docx,
        name="quarterly-docx",
    ),
    path("periodes/<str:period_uid>/cibles/", views.period_targets, name="period-targets"),
    path(
        "periodes/<str:period_uid>/rapports/<str:state_code>/",
        views.report_edit,
        name="report-edit",
    ),
    path("rapports/<str:report_uid>/", views.report_detail, name="report-detail"),
    path("rapports/<str:report_uid>/examen/", views.report_review, name="report-review"),
    path("rapports/<str:report_uid>/revision/", views.report_revise, name="report-revise"),
    path("rapports/<str:report_uid>/preuves/", views.evidence_upload, name="evidence-upload"),
    path("preuves/<str:evidence_uid>/", views.evidence_download, name="evidence-download"),
]
