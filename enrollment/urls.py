from django.urls import path

from .views import persons, roster

app_name = "enrollment"

# Object ids are named after their model (`person_id`, `import_id`, not `pk`): the street-scoping
# crawl (tests/test_scoping.py) finds every id-taking URL by these names.
urlpatterns = [
    path("persons/", persons.person_list, name="person_list"),
    path("persons/export/", persons.person_export, name="person_export"),
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
    path("roster/imports/<int:import_id>/errors.xlsx", roster.roster_import_errors,
         name="roster_import_errors"),
]
