"""django-import-export wiring. The roster import does not use it (enrollment.services.roster
is about 40 times faster and checks far more); this stock ModelResource is kept as the
baseline the roster benchmark compares against (bench/roster_import.py)."""

from import_export import fields, resources, widgets

from tongzhou_care.core.models import Street

from .models import Person


class PersonResource(resources.ModelResource):
    """A plain resource over the person table, keyed by ID number."""

    street = fields.Field(attribute="street", column_name="street",
                          widget=widgets.ForeignKeyWidget(Street, field="code"))

    class Meta:
        model = Person
        import_id_fields = ("id_number",)
        fields = ("name", "sex", "id_number", "birth_date", "street", "community", "address",
                  "phone", "category", "assistance_start")
        skip_unchanged = True

    def get_instance(self, instance_loader, row):
        # The ID number is sealed (core/sealed.py): the person is found by its blind index.
        number = row.get("id_number")
        return Person.objects.matching(id_number=str(number)).first() if number else None
