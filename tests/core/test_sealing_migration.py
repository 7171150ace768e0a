"""The migration that seals personal data already in a database (issue 14): a person, its audit
events and a roster import's rows written in clear before it are sealed after it, read back in
clear by the application and found by their blind indexes; migrating back opens them again
(the staged spouse's ID number excepted: only its index is kept)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enrollment.models import Person, PersonEvent, RosterRow
from tests.core.test_personal_data import every_row_as_text
from tongzhou_care.core.models import Street, User
from tongzhou_care.core.sealed import blind_index_of

ID_NUMBER, PHONE, ACCOUNT, SPOUSE = "11011219500307008X", "13912345678", "6222020200112233445", "110112195203070045"
SEALING = ("enrollment", "seal_personal_data")


def _before_sealing(executor) -> list[tuple[str, str]]:
    """The enrollment migration just before the sealing one (whatever it is numbered)."""
    app, suffix = SEALING
    name = next(n for a, n in executor.loader.graph.leaf_nodes() if a == app)
    while not name.endswith(suffix):
        name = next(p for p in executor.loader.graph.node_map[(app, name)].parents if p.key[0] == app).key[1]
    parent = next(p for p in executor.loader.graph.node_map[(app, name)].parents if p.key[0] == app)
    return [parent.key]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_clear_data_is_sealed_by_the_migration_and_opened_by_migrating_back():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    before = _before_sealing(executor)
    try:
        executor = _migrate(before)
        old = executor.loader.project_state(before).apps
        # Streets and users from the current models: their tables are as current (only the
        # enrollment app was migrated back).
        street = Street.objects.order_by("pk").first()
        user = User.objects.create(username="migration-test")
        person = old.get_model("enrollment", "Person").objects.create(
            name="王建国", sex="M", id_number=ID_NUMBER, birth_date="1950-03-07", street_id=street.pk,
            phone=PHONE, bank_account=ACCOUNT, category="death")
        old.get_model("enrollment", "Person").objects.filter(pk=person.pk).update(phone="13800001111")
        ri = old.get_model("enrollment", "RosterImport").objects.create(
            created_by_id=user.pk, file_name="名册.xlsx", file_sha256="0" * 64, file_size=1, file_kind="xlsx",
            roster_year=2026, header_row=1)
        old.get_model("enrollment", "RosterRow").objects.create(
            roster_import_id=ri.pk, row_number=2, kind="error", id_number=ID_NUMBER, phone=PHONE,
            spouse_id_number=SPOUSE, original=["王建国", ID_NUMBER, PHONE])
        text = every_row_as_text()
        assert ID_NUMBER in text and ACCOUNT in text        # the clear data the migration meets

        _migrate(leaves)
        text = every_row_as_text()
        for value in (ID_NUMBER, PHONE, "13800001111", ACCOUNT, SPOUSE):
            assert value not in text
        again = Person.objects.matching(id_number=ID_NUMBER.lower()).get()
        assert (again.pk, again.phone, again.bank_account) == (person.pk, "13800001111", ACCOUNT)
        assert Person.objects.filter(bank_account_hash=again.bank_account_hash).count() == 1
        events = list(PersonEvent.objects.filter(pgh_obj_id=person.pk).order_by("pgh_id")
                      .values_list("id_number", "phone"))
        assert events == [(ID_NUMBER, PHONE), (ID_NUMBER, "13800001111")]
        row = RosterRow.objects.matching(id_number=ID_NUMBER).get()
        assert (row.phone, row.original) == (PHONE, ["王建国", ID_NUMBER, PHONE])
        assert bytes(row.spouse_id_number_hash) == blind_index_of("id_number", SPOUSE)     # only its index kept

        _migrate(before)
        text = every_row_as_text()
        assert ID_NUMBER in text and "13800001111" in text and ACCOUNT in text
        assert SPOUSE not in text           # a staged spouse's number was kept as its index only
    finally:
        _migrate(leaves)
