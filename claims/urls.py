from django.urls import path

from . import views

app_name = "claims"

# Ids are named after their model (claim_id, document_id): the scoping crawl plants them.
urlpatterns = [
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/overdue/", views.overdue_list, name="overdue_list"),
    path("claims/export/", views.claim_export, name="claim_export"),
    path("claims/report/", views.claim_report_person, name="report_person"),
    path("claims/report/<int:person_id>/", views.claim_report, name="report"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:claim_id>/documents/", views.document_upload, name="document_upload"),
    path("claims/<int:claim_id>/documents/<int:document_id>/", views.document_download, name="document_download"),
    path("payments/import/", views.payment_import, name="payment_import"),
]
# One POST endpoint per workflow action, and one URL per printout.
urlpatterns += [
    path(f"claims/<int:claim_id>/{action.replace('_', '-')}/", views.claim_act, {"action": action},
         name=f"act_{action}")
    for action in views.ACTIONS
]
urlpatterns += [
    path(f"claims/<int:claim_id>/{kind}.pdf", views.claim_printout, {"kind": kind}, name=f"pdf_{kind}")
    for kind in views.PRINTOUTS
]
