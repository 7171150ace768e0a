"""Two database roles (docs/deploy.md "Database roles"): the web and worker processes connect
as a runtime role that owns nothing, so they cannot TRUNCATE a table, disable its triggers
(the audit trail's and the append-only guards'), drop or alter it, or set
session_replication_role (which turns every trigger off); migrations run as a separate owner
role. After every `migrate` by the owner, the runtime role named in DATABASE_RUNTIME_ROLE gets
exactly the row privileges the application needs, and on the append-only tables (every audit
event table, the access log, the import reports) only SELECT and INSERT."""

import re

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connections


def append_only_tables() -> list[str]:
    """Tables whose rows are never changed once written: every audit event table and every
    table guarded by an `*_append_only` trigger (access log, import reports, claim timeline)."""
    from pghistory.models import Event

    return sorted({m._meta.db_table for m in apps.get_models()
                   if not m._meta.proxy and m._meta.managed and (
                       issubclass(m, Event)
                       or any("append_only" in t.name for t in getattr(m._meta, "triggers", [])))})


def grant_runtime_privileges(*, using: str = "default", role: str | None = None) -> bool:
    """Give the runtime role its row privileges on every table and sequence of the schema
    (and no more); returns False when there is no separate runtime role to grant to."""
    role = role if role is not None else settings.DATABASE_RUNTIME_ROLE
    connection = connections[using]
    if not role or role == connection.settings_dict.get("USER"):
        return False
    quote = connection.ops.quote_name
    who = quote(role)
    with connection.cursor() as cursor:
        for statement in (
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {who}",
            f"GRANT USAGE ON SCHEMA public TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {who}",
        ):
            cursor.execute(statement)
        for table in append_only_tables():
            cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {who}")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", role):
            raise ValueError(f"DATABASE_RUNTIME_ROLE must be a plain role name: {role!r}")
        cursor.execute(SHOULD_IGNORE.format(role=role))
    return True


# pgtrigger lets any session skip a trigger by naming it in the setting pgtrigger.ignore; every
# trigger asks this function. Redefined after each migrate (pgtrigger installs it again with
# each trigger) so that the runtime role cannot switch off the audit triggers or the append-only
# guards: only code running as the owner may, i.e. the retention functions (SECURITY DEFINER,
# migration core.0005), which the runtime role calls.
SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
        _result BOOLEAN;
    BEGIN
        IF current_user = '{role}' THEN
            RETURN FALSE;
        END IF;
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NOT NULL THEN
            SELECT trigger_name = ANY(_pgtrigger_ignore) INTO _result;
            RETURN _result;
        ELSE
            RETURN FALSE;
        END IF;
    END;
$$ LANGUAGE plpgsql;
"""


def grant_runtime_privileges_after_migrate(sender, using="default", **kwargs):
    grant_runtime_privileges(using=using)


def runtime_role_problems(connection) -> list[str]:
    """What the connected role may do that a runtime role must not (empty: nothing)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        superuser, createrole, bypassrls = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm') "
                       "AND pg_get_userbyid(c.relowner) = current_user")
        owned = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') "
                       "AND has_table_privilege(c.oid, 'TRUNCATE')")
        truncatable = cursor.fetchone()[0]
    problems = []
    if superuser or createrole or bypassrls:
        problems.append("数据库连接角色是超级用户或可创建角色/绕过行级安全")
    if owned:
        problems.append(f"数据库连接角色拥有 {owned} 个表或序列（应只由迁移角色拥有）")
    if truncatable:
        problems.append(f"数据库连接角色可以 TRUNCATE {truncatable} 个表")
    return problems


@checks.register(checks.Tags.database, deploy=True)
def check_runtime_role(app_configs=None, databases=None, **kwargs):
    """`check --deploy --database default` run with the runtime DATABASE_URL: the role the web
    and worker processes use owns nothing and cannot truncate (docs/deploy.md)."""
    if not databases or "default" not in databases:
        return []
    return [checks.Error(problem, hint="见 docs/deploy.md“数据库角色”一节。", id="core.E010")
            for problem in runtime_role_problems(connections["default"])]
