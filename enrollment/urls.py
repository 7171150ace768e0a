from django.urls import path

from . import views

app_name = "enrollment"

# Object ids are named after their model (`person_id`, not `pk`): the street-scoping crawl
# (tests/test_scoping.py) finds every id-taking URL by these names.
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("<int:person_id>/", views.person_detail, name="person_detail"),
    path("<int:person_id>/unmask/", views.person_unmask, name="person_unmask"),
]
