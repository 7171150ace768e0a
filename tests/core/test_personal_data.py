"""Personal data at rest (issue 14): ID numbers, bank accounts, phone numbers and diagnoses are
sealed (SM4-GCM) in their tables and in the audit event tables, found through their HMAC-SM3
blind indexes, read back in clear by the application, and re-sealed under a new key by a
background job."""

import base64
import hashlib
from datetime import date

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction

from enrollment.models import Person
from enrollment.selectors import person_lookup, person_search
from enrollment.services import person_update
from tests.factories import PersonFactory, make_user
from tongzhou_care.core import crypto
from tongzhou_care.core.audit import audit_context
from tongzhou_care.core.jobs import Worker
from tongzhou_care.core.key_rotation import reseal_queue, sealed_key_ids, values_to_reseal
from tongzhou_care.core.keys import keyring
from tongzhou_care.core.models import BackgroundJob, Role
from tongzhou_care.core.sealed import Unsealed, blind_index_of, sealed_columns

ID_NUMBER, PHONE, ACCOUNT = "11011219500307008X", "13912345678", "6222 0202 0011 2233 445"


def every_row_as_text() -> str:
    """Every row of every table of the schema, as PostgreSQL writes a row out as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [t for (t,) in cursor.fetchall()]
        out = []
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t')
            out += [row for (row,) in cursor.fetchall()]
    return "\n".join(out)


@pytest.fixture
def person(street_a, commission_admin):
    with audit_context(commission_admin, "test"):
        return PersonFactory(street=street_a, id_number=ID_NUMBER, phone=PHONE, bank_account=ACCOUNT)


@pytest.mark.django_db
def test_a_person_is_sealed_in_its_table_and_its_audit_events_and_read_in_clear(person, commission_admin):
    person_update(person_id=person.pk, version=person.version, changes={"phone": "13800001111"},
                  actor=commission_admin)
    text = every_row_as_text()
    for value in (ID_NUMBER, PHONE, "13800001111", ACCOUNT, ACCOUNT.replace(" ", "")):
        assert value not in text
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(id_number), count(phone) FROM enrollment_personevent "
                       "WHERE pgh_obj_id = %s", [person.pk])
        assert cursor.fetchone() == (2, 2, 2)          # insert and update, both sealed
    again = Person.objects.get(pk=person.pk)
    assert (again.id_number, again.phone, again.bank_account) == (ID_NUMBER, "13800001111", ACCOUNT)
    assert isinstance(again.id_number, Unsealed)
    assert list(Person.objects.filter(pk=person.pk).values_list("id_number", "phone")) == [(ID_NUMBER, "13800001111")]


@pytest.mark.django_db
def test_saving_unchanged_values_keeps_their_ciphertext_and_a_change_moves_the_index(person):
    person = Person.objects.get(pk=person.pk)
    before = (person.id_number.sealed, person.phone.sealed)
    person.address = "玉带河东街8号"
    person.save()
    person.refresh_from_db()
    assert (person.id_number.sealed, person.phone.sealed) == before
    person.phone = "010-69541234"
    person.save(update_fields=["phone"])                # its blind index goes along
    assert Person.objects.get(phone_hash=blind_index_of("phone", "01069541234")).pk == person.pk
    person.phone = ""
    person.save(update_fields=["phone"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hash FROM enrollment_person WHERE id = %s", [person.pk])
        assert cursor.fetchone() == (None, None)


@pytest.mark.django_db
def test_lookups_go_through_the_blind_indexes(person, commission_staff):
    assert list(person_search(commission_staff, text=ID_NUMBER[-4:].lower())) == [person]
    assert list(person_lookup(commission_staff, ID_NUMBER.lower(), posted=True, today=date(2026, 3, 1))) == [person]
    assert Person.objects.filter(bank_account_hash=blind_index_of("bank_account", "6222020200112233445")).get() == person
    # An exact lookup compares the blind index column (across relations too); anything else
    # on a sealed column is refused.
    by_number = Person.objects.filter(id_number=ID_NUMBER.lower())
    assert list(by_number) == [person] and '"id_number_hash" =' in str(by_number.query)
    assert list(Person.objects.filter(id_number__in=[ID_NUMBER, "110112195203070045"])) == [person]
    assert Person.objects.filter(phone="139 1234 5678").get() == person
    from claims.models import Claim
    assert "id_number_hash" in str(Claim.objects.filter(person__id_number=ID_NUMBER).query)
    with pytest.raises(FieldError, match="sealed"):
        Person.objects.filter(id_number__startswith="110112").count()
    with pytest.raises(FieldError, match="sealed"):
        Person.objects.filter(phone__endswith="5678").count()


@pytest.mark.django_db
def test_one_person_per_id_number_is_held_by_the_database(person, street_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory(street=street_a, id_number=ID_NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():     # the same number, typed with x
        Person.objects.bulk_create([PersonFactory.build(street=street_a, id_number=ID_NUMBER.lower())])


@pytest.mark.django_db
def test_every_personal_column_is_sealed():
    """The columns holding the four kinds of data, in every app, are sealed columns (an added
    clear one fails here). The roster rows' `related` names other rows by sheet and row number
    only; their `changes` hold masked values (test_roster_import). The staff's office phone on
    core_user is not an insured person's data (docs/security.md)."""
    sealed = {(m._meta.db_table, f.column) for m, f in sealed_columns()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = 'public' AND (column_name ~ '(id_number|phone|account|diagnosis)$' "
                       "OR column_name = 'original')")
        columns = cursor.fetchall()
    clear = [(t, c, kind) for t, c, kind in columns if (t, c) not in sealed and not t.startswith("core_user")]
    assert clear == []
    assert {"enrollment_person", "enrollment_personevent", "claims_claim", "claims_claimevent",
            "oversight_complaint", "oversight_complaintevent", "enrollment_rosterrow"} <= {t for t, _ in sealed}


# --- Rotation ----------------------------------------------------------------------------------

def _key(label: str) -> str:
    return base64.b64encode(hashlib.sha256(label.encode()).digest()[:16]).decode()


@pytest.mark.django_db(transaction=True)
def test_rotation_reseals_everything_under_the_new_key_as_a_background_job(person, commission_admin, settings):
    person_update(person_id=person.pk, version=person.version, changes={"phone": "13800001111"},
                  actor=commission_admin)
    old = settings.PERSONAL_DATA_KEYS
    assert set(sealed_key_ids()) == {1}
    settings.PERSONAL_DATA_KEYS = f"{old},2:{_key('rotation test key 2')}"
    assert keyring().current == 2
    total = sum(values_to_reseal().values())
    assert total >= 8            # the person's three values, its two events' three each (one phone empty? no)
    job = reseal_queue(actor=commission_admin)
    assert reseal_queue(actor=commission_admin) == job            # queued once
    assert Worker().run(once=True) == 1
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == ("done", total, total)
    assert "已全部在当前密钥下" in job.message
    assert set(sealed_key_ids()) == {2} and sum(values_to_reseal().values()) == 0
    # Key 1 can go: everything opens with key 2 alone, the history included.
    settings.PERSONAL_DATA_KEYS = f"2:{_key('rotation test key 2')}"
    again = Person.objects.get(pk=person.pk)
    assert (again.id_number, again.phone, again.bank_account) == (ID_NUMBER, "13800001111", ACCOUNT)
    from tongzhou_care.core.history import history_for
    entries = history_for(commission_admin, again)
    changed = [c.field for e in entries for c in e.changes]
    assert changed.count("联系电话") == 2 and "公民身份号码" in changed     # inserted once, phone changed once
    assert not BackgroundJob.objects.filter(kind="personal_data_reseal", status="queued").exists()


@pytest.mark.django_db(transaction=True)
def test_the_reseal_function_refuses_anything_but_resealing(person):
    ring = keyring()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM enrollment_person WHERE id = %s", [person.pk])
        pk, sealed = cursor.fetchone()
        sealed = bytes(sealed)
        cases = [
            ("enrollment_person", "id", "name", [pk], [sealed], [sealed], 1, "holds no sealed"),
            ("enrollment_person", "street_id", "id_number", [pk], [sealed], [sealed], 1, "not the primary key"),
            ("enrollment_person", "id", "id_number", [pk], [sealed], [b"\x01\x00\x02" + bytes(40)], 1, "not sealed under key"),
        ]
        for table, key, column, ids, old, new, key_id, message in cases:
            with pytest.raises(Exception, match=message), transaction.atomic():
                cursor.execute("SELECT personal_data_reseal(%s::regclass, %s, %s, %s, %s, %s, %s)",
                               [table, key, column, ids, old, new, key_id])
        # Already under key 1: nothing to do, nothing changed.
        cursor.execute("SELECT personal_data_reseal('enrollment_person'::regclass, 'id', 'id_number', %s, %s, %s, 1)",
                       [[pk], [sealed], [crypto.seal(ring, "id_number", ID_NUMBER)]])
        assert cursor.fetchone()[0] == 0


def test_no_key_material_in_the_repository():
    """Only generated or derived keys: no key text of the environment is in a tracked file."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True).stdout.split()
    assert ".local/personal-data-keys.env" not in tracked
    ignored = subprocess.run(["git", "check-ignore", ".local/personal-data-keys.env"], cwd=root)
    assert ignored.returncode == 0


@pytest.mark.django_db
def test_a_search_kept_in_the_session_is_sealed(person, commission_staff, client_for):
    """A search's text waits in the session (core/search.py) behind its token: sealed there,
    since sessions are rows of the database too; the list still finds the person by it."""
    client = client_for(commission_staff)
    response = client.post("/search/", {"next": "/persons/", "q": ID_NUMBER[-4:]})
    assert response.status_code == 302 and ID_NUMBER[-4:] not in response["Location"]
    from django.contrib.sessions.models import Session

    stored = [Session.objects.get(pk=client.session.session_key).get_decoded()]
    assert "tz_searches" in stored[0] and ID_NUMBER[-4:] not in str(stored)
    assert person.name in client.get(response["Location"]).content.decode()
