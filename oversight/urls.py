from django.urls import path

from .views import checks, complaints, figures, inspections, publicity, service_log, surveys, training

app_name = "oversight"

# Ids are named after their model (complaint_id, survey_id, inspection_id, inspection_finding_id,
# evidence_id, check_finding_id ...): the scoping crawl plants them (tests/scoping.py). One block
# per feature.
urlpatterns = [
    path("service-log/", service_log.service_entry_list, name="service_entry_list"),
    path("service-log/export/", service_log.service_entry_export, name="service_entry_export"),
    path("service-log/not-contacted/", service_log.not_contacted_list, name="not_contacted_list"),
    path("service-log/not-contacted/export/", service_log.not_contacted_export, name="not_contacted_export"),
    path("service-log/add/<int:person_id>/", service_log.service_entry_add, name="service_entry_add"),
]
urlpatterns += [
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/export/", complaints.complaint_export, name="complaint_export"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<int:complaint_id>/", complaints.complaint_detail, name="complaint_detail"),
] + [
    path(f"complaints/<int:complaint_id>/{action}/", complaints.complaint_act, {"action": action},
         name=f"complaint_{action}")
    for action in complaints.CALLS
]
urlpatterns += [
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/sample/", surveys.survey_sample_draw, name="survey_sample_draw"),
    path("surveys/<int:survey_id>/", surveys.survey_detail, name="survey_detail"),
    path("survey-figures/", surveys.survey_figures_page, name="survey_figures"),
    path("survey-figures/export/", surveys.survey_figures_export, name="survey_figures_export"),
] + [
    path(f"surveys/<int:survey_id>/{action.name}/", surveys.survey_act, {"action": action.name},
         name=f"survey_{action.name}")
    for action in surveys.SURVEY_WORKFLOW
]
urlpatterns += [
    path("training/", training.training_list, name="training_list"),
    path("training/export/", training.training_export, name="training_export"),
    path("training/new/", training.training_new, name="training_new"),
    path("training/<int:training_session_id>/", training.training_detail, name="training_detail"),
    path("training/<int:training_session_id>/edit/", training.training_edit, name="training_edit"),
]
urlpatterns += [
    path("inspections/", inspections.inspection_list, name="inspection_list"),
    path("inspections/new/", inspections.inspection_new, name="inspection_new"),
    path("inspections/<int:inspection_id>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:inspection_id>/findings/", inspections.finding_add, name="finding_add"),
    path("inspections/<int:inspection_id>/record-sheet.pdf", inspections.inspection_record_sheet,
         name="inspection_record_sheet"),
    path("inspection-findings/", inspections.finding_list, name="finding_list"),
    path("inspection-findings/export/", inspections.finding_export, name="finding_export"),
    path("inspection-findings/<int:inspection_finding_id>/", inspections.finding_detail, name="finding_detail"),
    path("inspection-findings/<int:inspection_finding_id>/evidence/<int:evidence_id>/",
         inspections.evidence_download, name="evidence_download"),
] + [
    path(f"inspection-findings/<int:inspection_finding_id>/{action}/", inspections.finding_act, {"action": action},
         name=f"finding_{action}")
    for action in inspections.ACTION_CALLS
]
urlpatterns += [
    path("checks/", checks.check_finding_list, name="check_finding_list"),
    path("checks/export/", checks.check_finding_export, name="check_finding_export"),
    path("checks/run/", checks.check_run_start, name="check_run_start"),
    path("checks/runs/", checks.check_run_list, name="check_run_list"),
    path("checks/rules/", checks.check_rule_list, name="check_rule_list"),
    path("checks/resolve-cleared/", checks.check_findings_resolve_cleared, name="check_findings_resolve_cleared"),
    path("checks/<int:check_finding_id>/", checks.check_finding_detail, name="check_finding_detail"),
] + [
    path(f"checks/<int:check_finding_id>/{action}/", checks.check_finding_act, {"action": action},
         name=f"check_finding_{action}")
    for action in checks.ACTION_CALLS
]
# Oversight II (issue 10): the figures of a scheme year.
urlpatterns += [
    path("evaluation/", figures.evaluation_list, name="evaluation_list"),
    path("evaluation/<int:scheme_year_id>/", figures.evaluation, name="evaluation"),
    path("evaluation/<int:scheme_year_id>/claims/", figures.evaluation_claims, name="evaluation_claims"),
    path("evaluation/<int:scheme_year_id>/evaluation.pdf", figures.evaluation_export, {"fmt": "pdf"},
         name="evaluation_pdf"),
    path("evaluation/<int:scheme_year_id>/evaluation.xlsx", figures.evaluation_export, {"fmt": "xlsx"},
         name="evaluation_xlsx"),
    path("adjustment/", figures.adjustment, name="adjustment"),
    path("adjustment/<int:scheme_year_id>/", figures.adjustment_year, name="adjustment_year"),
    path("annual-report/<int:scheme_year_id>/", figures.annual_report, name="annual_report"),
]
urlpatterns += [
    path("annual-report/result/<int:job_id>/", figures.annual_report_result, name="annual_report_result"),
    path("annual-report/result/<int:job_id>/report.pdf", figures.annual_report_file, {"fmt": "pdf"},
         name="annual_report_pdf"),
    path("annual-report/result/<int:job_id>/report.xlsx", figures.annual_report_file, {"fmt": "xlsx"},
         name="annual_report_xlsx"),
]
urlpatterns += [
    path("publicity/", publicity.publicity_overview, name="publicity"),
    path("publicity/batch/", publicity.publicity_batch, name="publicity_batch"),
    path("publicity/deliver/", publicity.publicity_deliver, name="publicity_deliver"),
    path("publicity/<int:person_id>/notice.pdf", publicity.publicity_notice, name="publicity_notice"),
]
