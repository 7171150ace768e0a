from django.urls import path

from .views import claim, lists, payments, report
from .workflow import CLAIM_WORKFLOW, PRINTOUTS

app_name = "claims"

# Ids are named after their model (claim_id, document_id): the scoping crawl plants them.
urlpatterns = [
    path("claims/", lists.claim_list, name="claim_list"),
    path("claims/overdue/", lists.overdue_list, name="overdue_list"),
    path("claims/review/", lists.review_list, name="review_list"),
    path("claims/export/", lists.claim_export, name="claim_export"),
    path("claims/report/", report.claim_report_person, name="report_person"),
    path("claims/report/<int:person_id>/", report.claim_report, name="report"),
    path("claims/<int:claim_id>/", claim.claim_detail, name="claim_detail"),
    path("claims/<int:claim_id>/documents/<int:document_id>/", claim.document_download, name="document_download"),
    path("payments/import/", payments.payment_import, name="payment_import"),
]
# One POST endpoint per action of the workflow table (uploads post to documents/), and one URL
# per printout.
urlpatterns += [
    path(f"claims/<int:claim_id>/{'documents' if a.name == 'upload' else a.name.replace('_', '-')}/",
         claim.claim_act, {"action": a.name}, name=f"act_{a.name}")
    for a in CLAIM_WORKFLOW
]
urlpatterns += [
    path(f"claims/<int:claim_id>/{kind}.pdf", claim.claim_printout, {"kind": kind}, name=f"pdf_{kind}")
    for kind in PRINTOUTS
]
