from django.urls import path

from .views import complaints, publicity, service_log, surveys, training

app_name = "oversight"

# Ids are named after their model (complaint_id, survey_id ...): the scoping crawl plants them
# (tests/scoping.py). One block per feature.
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
    path("publicity/", publicity.publicity_overview, name="publicity"),
    path("publicity/batch/", publicity.publicity_batch, name="publicity_batch"),
    path("publicity/deliver/", publicity.publicity_deliver, name="publicity_deliver"),
    path("publicity/<int:person_id>/notice.pdf", publicity.publicity_notice, name="publicity_notice"),
]
