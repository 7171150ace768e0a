from django.urls import path

from .views import checks, inspections

app_name = "oversight"

# Ids are named after their model (inspection_id, inspection_finding_id, evidence_id,
# check_finding_id): the scoping crawl plants them (tests/scoping.py).
urlpatterns = [
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
    path("checks/", checks.check_finding_list, name="check_finding_list"),
    path("checks/export/", checks.check_finding_export, name="check_finding_export"),
    path("checks/run/", checks.check_run_start, name="check_run_start"),
    path("checks/runs/", checks.check_run_list, name="check_run_list"),
    path("checks/rules/", checks.check_rule_list, name="check_rule_list"),
    path("checks/resolve-cleared/", checks.check_findings_resolve_cleared, name="check_findings_resolve_cleared"),
    path("checks/<int:check_finding_id>/", checks.check_finding_detail, name="check_finding_detail"),
]
# One POST endpoint per action of the finding's action table.
urlpatterns += [
    path(f"inspection-findings/<int:inspection_finding_id>/{action}/", inspections.finding_act, {"action": action},
         name=f"finding_{action}")
    for action in inspections.ACTION_CALLS
]
urlpatterns += [
    path(f"checks/<int:check_finding_id>/{action}/", checks.check_finding_act, {"action": action},
         name=f"check_finding_{action}")
    for action in checks.ACTION_CALLS
]
