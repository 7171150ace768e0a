from django.urls import path

from .views import cover, persons, roster

app_name = "enrollment"

# Object ids are named after their model (`person_id`, `import_id`, not `pk`): the street-scoping
# crawl (tests/test_scoping.py) finds every id-taking URL by these names.
urlpatterns = [
    path("persons/", persons.person_list, name="person_list"),
    path("persons/export/", persons.person_export, name="person_export"),
    path("persons/find/", persons.person_find, name="person_find"),
    path("persons/<int:person_id>/", persons.person_detail, name="person_detail"),
    path("persons/<int:person_id>/unmask/", persons.person_unmask, name="person_unmask"),
    path("persons/<int:person_id>/edit/", persons.person_edit, name="person_edit"),
    path("roster/imports/", roster.roster_import_list, name="roster_import_list"),
    path("roster/imports/new/", roster.roster_import_new, name="roster_import_new"),
    path("roster/imports/<int:import_id>/", roster.roster_import_detail, name="roster_import_detail"),
    path("roster/imports/<int:import_id>/apply/", roster.roster_import_apply_view,
         name="roster_import_apply"),
    path("roster/imports/<int:import_id>/discard/", roster.roster_import_discard_view,
         name="roster_import_discard"),
    path("roster/imports/<int:import_id>/choices/", roster.roster_import_choose, name="roster_import_choose"),
    path("roster/imports/<int:import_id>/close/", roster.roster_import_close_view, name="roster_import_close"),
    path("roster/imports/<int:import_id>/errors.xlsx", roster.roster_import_errors,
         name="roster_import_errors"),
    path("scheme-years/", cover.scheme_year_list, name="scheme_year_list"),
    path("scheme-years/new/", cover.scheme_year_new, name="scheme_year_new"),
    path("scheme-years/<int:scheme_year_id>/", cover.scheme_year_detail, name="scheme_year_detail"),
    path("scheme-years/<int:scheme_year_id>/edit/", cover.scheme_year_edit, name="scheme_year_edit"),
    path("scheme-years/<int:scheme_year_id>/issue/", cover.scheme_year_issue, name="scheme_year_issue"),
    path("scheme-years/<int:scheme_year_id>/policies/", cover.policy_list, name="policy_list"),
    path("scheme-years/<int:scheme_year_id>/certificates/", cover.certificate_batch,
         name="certificate_batch"),
    path("scheme-years/<int:scheme_year_id>/changes/", cover.change_list, name="change_list"),
    path("scheme-years/<int:scheme_year_id>/changes.xlsx", cover.change_list_export,
         name="change_list_export"),
    path("scheme-years/<int:scheme_year_id>/insured.xlsx", cover.insured_list_export,
         name="insured_list_export"),
    path("scheme-years/<int:scheme_year_id>/premium/", cover.premium_settlement, name="premium_settlement"),
    path("scheme-years/<int:scheme_year_id>/premium.xlsx", cover.premium_settlement_export,
         {"fmt": "xlsx"}, name="premium_settlement_xlsx"),
    path("scheme-years/<int:scheme_year_id>/premium.pdf", cover.premium_settlement_export,
         {"fmt": "pdf"}, name="premium_settlement_pdf"),
    path("policies/<int:policy_id>/certificate.pdf", cover.policy_certificate, name="policy_certificate"),
]
