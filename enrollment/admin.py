from django.contrib import admin

from tongzhou_care.core.admin import ReadOnlyAdmin

from .models import Person
from .selectors import persons_visible_to


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Read-only here: persons change through the roster import and the persons pages."""

    list_display = ("name", "sex", "street", "category", "status")
    list_filter = ("status", "category", "street")
    search_fields = ("name",)
    list_select_related = ("street",)
    exclude = ("id_number", "phone", "bank_account")  # never shown unmasked in the admin

    def get_queryset(self, request):
        return persons_visible_to(request.user)
