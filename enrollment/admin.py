from django.contrib import admin

from tongzhou_care.core.admin import ReadOnlyAdmin
from tongzhou_care.core.masking import mask_address, mask_birth_date

from .models import Person
from .selectors import persons_visible_to


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Read-only here: persons change through the roster import and the persons pages."""

    list_display = ("name", "sex", "street", "category", "status")
    list_filter = ("status", "category", "street")
    search_fields = ("name",)
    list_select_related = ("street",)
    # Never shown unmasked in the admin: the birth date is its year, like everywhere else (with
    # the masked ID number of the persons pages it would complete the number).
    exclude = ("id_number", "phone", "bank_account", "birth_date", "address")
    readonly_fields = ("birth_year", "masked_address")

    @admin.display(description="出生年份")
    def birth_year(self, obj):
        return mask_birth_date(obj.birth_date)

    @admin.display(description="住址")
    def masked_address(self, obj):
        return mask_address(obj.address)

    def get_queryset(self, request):
        return persons_visible_to(request.user)
