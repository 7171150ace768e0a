"""S13: every insert, update and delete of domain rows is recorded by the database itself,
including bulk and raw-SQL writes; the event tables refuse changes."""

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError

from enrollment.models import Person
from tests.factories import PersonFactory
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.history import history_for



def events(person_id, label=None):
    from enrollment.models import PersonEvent

    qs = PersonEvent.objects.filter(pgh_obj_id=person_id)
    return qs.filter(pgh_label=label) if label else qs


@pytest.mark.django_db
def test_insert_update_delete_are_recorded_with_user_and_values(officer_a, street_a):
    with audit_context(officer_a, "test_edit"):
        person = PersonFactory(street=street_a, phone="13900000001")
        person.phone = "13900000002"
        person.save()
    person_id = person.pk
    with audit_context(officer_a, "test_delete"):
        person.delete()

    assert events(person_id, "insert").get().phone == "13900000001"
    update = events(person_id, "update").get()
    assert update.phone == "13900000002"
    assert update.pgh_context.metadata["user"] == officer_a.pk
    assert update.pgh_context.metadata["action"] == "test_edit"
    assert events(person_id, "delete").get().pgh_context.metadata["action"] == "test_delete"


@pytest.mark.django_db
def test_queryset_update_is_recorded(street_a):
    people = PersonFactory.create_batch(3, street=street_a)
    Person.objects.filter(pk__in=[p.pk for p in people]).update(address="运河东大街9号")
    for p in people:
        assert events(p.pk, "update").get().address == "运河东大街9号"


@pytest.mark.django_db
def test_bulk_create_is_recorded(street_a):
    built = PersonFactory.build_batch(4, street=street_a)
    created = Person.objects.bulk_create(built)
    assert all(events(p.pk, "insert").count() == 1 for p in created)


@pytest.mark.django_db
def test_raw_sql_is_recorded(person_a):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrollment_person SET community = %s WHERE id = %s",
                       ["raw社区", person_a.pk])
        cursor.execute("DELETE FROM enrollment_person WHERE id = %s", [person_a.pk])
    assert events(person_a.pk, "update").get().community == "raw社区"
    assert events(person_a.pk, "delete").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("statement", [
    "UPDATE enrollment_personevent SET name = 'forged' WHERE pgh_obj_id = %s",
    "DELETE FROM enrollment_personevent WHERE pgh_obj_id = %s",
])
def test_event_rows_cannot_be_altered(person_a, statement):
    with pytest.raises(InternalError, match="Cannot"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [person_a.pk])
    assert events(person_a.pk, "insert").get().name == person_a.name


@pytest.mark.django_db
def test_access_log_cannot_be_altered(officer_a):
    from tongzhou_care.core.models import AccessLog
    from tongzhou_care.core.services import access_log_record

    entry = access_log_record(actor=officer_a, action=AccessLog.Action.UNMASK, target="x", reason="核对")
    with pytest.raises(InternalError):
        with transaction.atomic():
            AccessLog.objects.filter(pk=entry.pk).update(reason="改写")
    with pytest.raises(InternalError):
        with transaction.atomic():
            AccessLog.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_every_domain_model_is_tracked():
    """A model added later without @pghistory.track fails here."""
    from django.apps import apps

    untracked = [
        m._meta.label for app in ("core", "enrollment", "claims", "oversight")
        for m in apps.get_app_config(app).get_models()
        if not m._meta.label.endswith("Event") and not hasattr(m, "pgh_event_model")
        and m._meta.label not in AUDITED_OTHERWISE and m._meta.label not in DERIVED
        and m._meta.label not in COUNTERS
    ]
    assert untracked == []


# Counts the database derives from audited rows by trigger (rebuilt from them at will).
DERIVED = {"claims.ClaimTally", "claims.ClaimDayTally", "claims.PaidTally", "claims.ClaimYearTally",
           "claims.ClaimStepTally", "claims.MoneyTally", "claims.PolicyDaysTally", "claims.ClaimPaymentMismatch"}

# Request counters of the rate limits (core/ratelimit.py): no one's data, deleted as they age.
COUNTERS = {"core.RateLimitCounter"}

# Append-only tables (the database refuses updates and deletes) are themselves the record;
# tracking them again would add nothing but a copy of every row.
AUDITED_OTHERWISE = {"core.AccessLog", "enrollment.RosterRow", "claims.ClaimAction"}


@pytest.mark.django_db
@pytest.mark.parametrize("model", sorted(AUDITED_OTHERWISE))
def test_untracked_models_are_append_only(model, commission_admin):
    from django.apps import apps

    table = apps.get_model(model)._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass", [table])
        triggers = [row[0] for row in cursor.fetchall()]
    assert any("append_only" in t for t in triggers), triggers


@pytest.mark.django_db
def test_commission_sees_history_on_the_person_page(client_for, commission_staff, officer_a, person_a):
    officer = client_for(officer_a)
    with audit_context(officer_a, "person_contact_update"):
        Person.objects.filter(pk=person_a.pk).update(address="玉带河东街8号")
    body = client_for(commission_staff).get(f"/persons/{person_a.pk}/").content.decode()
    assert "修改历史" in body
    assert "玉带河东街8号" in body and officer_a.full_name in body
    # The full ID number never appears in the history, masked like everywhere else.
    assert person_a.id_number not in body
    # Officers do not see the history.
    assert "修改历史" not in officer.get(f"/persons/{person_a.pk}/").content.decode()


@pytest.mark.django_db
def test_history_is_empty_without_permission(officer_a, person_a):
    assert history_for(officer_a, person_a) == []
