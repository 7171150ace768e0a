"""Issue 13 point 3: an audit trail the application cannot rewrite. The web and worker
processes connect as a runtime role that owns no table and is refused TRUNCATE, disabling
triggers and session_replication_role; migrations run as a separate owner role; writes from
commands and the shell name who made them."""

import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import errors

from enrollment.models import Person, PersonEvent
from tests.dbroles import runtime_url
from tests.factories import PersonFactory, make_user
from tongzhou_care.core.audit import audit_context, command_context
from tongzhou_care.core.dbroles import append_only_tables
from tongzhou_care.core.models import Role

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def runtime(db):
    conn = psycopg2.connect(runtime_url())
    conn.autocommit = True
    yield conn
    conn.close()


def refused(conn, statement: str) -> bool:
    with conn.cursor() as cursor:
        try:
            cursor.execute(statement)
        except errors.InsufficientPrivilege:
            return True
    return False


AUDIT_TABLES = ["enrollment_personevent", "claims_claimevent", "core_accesslog", "pghistory_context"]


def test_runtime_role_owns_nothing_and_cannot_rewrite_the_audit_trail(runtime):
    with runtime.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user")
        owned = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM enrollment_person")   # it does read ...
    assert user != connection.settings_dict["USER"] and not superuser and owned == 0
    for table in AUDIT_TABLES + ["enrollment_person", "claims_claim"]:
        assert refused(runtime, f"TRUNCATE {table}"), f"TRUNCATE {table}"
        assert refused(runtime, f"ALTER TABLE {table} DISABLE TRIGGER ALL"), f"DISABLE TRIGGER {table}"
        assert refused(runtime, f"DROP TABLE {table}"), f"DROP {table}"
    assert refused(runtime, "SET session_replication_role = replica")
    for table in append_only_tables():
        assert refused(runtime, f"UPDATE {table} SET pgh_id = pgh_id WHERE false"
                       if table.endswith("event") else f"DELETE FROM {table} WHERE false"), table
    assert refused(runtime, "CREATE TABLE public.sneaky (x int)")


@pytest.mark.django_db(transaction=True)
def test_runtime_role_may_do_the_applications_work(runtime, street_a):
    """... and it has what the app needs: rows of domain tables, sequences, the audit context."""
    with runtime.cursor() as cursor:
        cursor.execute("SELECT set_config('pghistory.context_id', gen_random_uuid()::text, false), "
                       "set_config('pghistory.context_metadata', '{\"action\": \"test\"}', false)")
        cursor.execute("INSERT INTO core_insurer (name, hotline) VALUES ('运行角色测试', '1') RETURNING id")
        insurer_id = cursor.fetchone()[0]
        cursor.execute("UPDATE core_insurer SET hotline = '2' WHERE id = %s", [insurer_id])
        cursor.execute("SELECT count(*) FROM core_insurerevent WHERE pgh_obj_id = %s", [insurer_id])
        assert cursor.fetchone()[0] == 2
        cursor.execute("DELETE FROM core_insurer WHERE id = %s", [insurer_id])


@pytest.mark.django_db(transaction=True)      # what the runtime role writes is flushed after
def test_runtime_role_cannot_switch_the_audit_triggers_off(runtime):
    """pgtrigger.ignore names triggers a session skips; the runtime role's is not honoured."""
    with runtime.cursor() as cursor:
        cursor.execute("INSERT INTO core_insurer (name, hotline) VALUES ('跳过触发器测试', '1') RETURNING id")
        insurer_id = cursor.fetchone()[0]
        cursor.execute("SELECT array_agg(tgname::text) FROM pg_trigger WHERE tgrelid = 'core_insurer'::regclass")
        every_trigger = cursor.fetchone()[0]
        cursor.execute("BEGIN")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(every_trigger) + "}"])
        cursor.execute("UPDATE core_insurer SET hotline = '2' WHERE id = %s", [insurer_id])
        cursor.execute("COMMIT")
        cursor.execute("SELECT count(*) FROM core_insurerevent WHERE pgh_obj_id = %s AND pgh_label = 'update'",
                       [insurer_id])
        assert cursor.fetchone()[0] == 1, "an update escaped the audit trail"
        cursor.execute("DELETE FROM core_insurer WHERE id = %s", [insurer_id])


@pytest.mark.django_db(transaction=True)      # the admin committed, for the runtime role to see
def test_retention_still_purges_old_access_log_rows_as_the_runtime_role(runtime, commission_admin):
    """... while the retention function (owner's, SECURITY DEFINER) may, as retention.py calls it."""
    with runtime.cursor() as cursor:
        cursor.execute("INSERT INTO core_accesslog (at, user_id, action, target, detail, reason) "
                       "VALUES (now() - interval '400 days', %s, 'export', '测试', '', '') RETURNING id",
                       [commission_admin.pk])
        row = cursor.fetchone()[0]
        cursor.execute("BEGIN")
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)",
                       ["{" + ",".join(_trigger_names(cursor, "core_accesslog")) + "}"])
        cursor.execute("SELECT retention_delete_access_log(now() - interval '300 days')")
        cursor.execute("COMMIT")
        cursor.execute("SELECT count(*) FROM core_accesslog WHERE id = %s", [row])
        assert cursor.fetchone()[0] == 0
        assert refused(runtime, f"DELETE FROM core_accesslog WHERE id = {row}")


def _trigger_names(cursor, table):
    cursor.execute("SELECT array_agg(tgname::text) FROM pg_trigger WHERE tgrelid = %s::regclass", [table])
    return cursor.fetchone()[0]


def test_migrations_ran_as_the_owner_role(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        owners = {row[0] for row in cursor.fetchall()}
    assert owners == {connection.settings_dict["USER"]}
    assert settings.DATABASE_RUNTIME_ROLE and settings.DATABASE_RUNTIME_ROLE not in owners


@pytest.mark.django_db(transaction=True)
def test_a_shell_write_names_its_command_and_account(street_a):
    person = PersonFactory(street=street_a)
    env = {**os.environ, "DATABASE_URL": runtime_url(), "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    code = ("from enrollment.models import Person; "
            f"Person.objects.filter(pk={person.pk}).update(phone='13900009999')")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    event = PersonEvent.objects.get(pgh_obj_id=person.pk, pgh_label="update")
    assert event.pgh_context is not None, "a shell write with an empty audit context"
    assert event.pgh_context.metadata["command"] == "shell"
    assert event.pgh_context.metadata["os_user"]


@pytest.mark.django_db
def test_each_service_keeps_its_own_actor_inside_a_command(street_a):
    """A worker runs jobs of many users in one process: each job's events name its own user."""
    first, second = make_user(Role.COMMISSION_ADMIN), make_user(Role.COMMISSION_STAFF)
    person = PersonFactory(street=street_a)
    with command_context(["manage.py", "run_worker"]):
        with audit_context(first, "job:one"):
            Person.objects.filter(pk=person.pk).update(phone="13900000001")
        with audit_context(second, "job:two"):
            Person.objects.filter(pk=person.pk).update(phone="13900000002")
        Person.objects.filter(pk=person.pk).update(phone="13900000003")
    contexts = [e.pgh_context.metadata for e in
                PersonEvent.objects.filter(pgh_obj_id=person.pk, pgh_label="update").order_by("pgh_id")]
    assert [(c.get("user"), c.get("action"), c["command"]) for c in contexts] == [
        (first.pk, "job:one", "run_worker"), (second.pk, "job:two", "run_worker"), (None, None, "run_worker")]


def test_deploy_check_flags_a_process_connected_as_the_owner(db):
    """`check --deploy --database default` (docs/deploy.md) reports core.E010 when the app would
    run as a role that owns the tables; as the runtime role it reports nothing (S1 stays 0)."""
    from tongzhou_care.core.dbroles import check_runtime_role

    errors = check_runtime_role(databases=["default"])
    assert {e.id for e in errors} == {"core.E010"} and any("拥有" in e.msg for e in errors)
    assert check_runtime_role(databases=None) == []
