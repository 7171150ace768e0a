"""The two deletions of append-only rows that retention needs (core/retention.py), as functions
owned by the migration owner (SECURITY DEFINER): the runtime role may hold no DELETE on these
tables (docs/deploy.md "Database roles") yet can purge through them, and only as the functions
allow. The access log function refuses anything younger than 184 days (S15, six months) whatever
the caller asks; the roster function deletes only the rows of one import that is due. The
append-only triggers still fire: the caller marks them ignored for its transaction
(pgtrigger.ignore), so a plain DELETE stays refused."""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION retention_delete_access_log(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE deleted bigint;
BEGIN
    IF cutoff > now() - interval '184 days' THEN
        RAISE EXCEPTION 'the access log is kept at least 184 days (S15): cutoff % is too late', cutoff;
    END IF;
    DELETE FROM core_accesslog WHERE at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END $$;

CREATE FUNCTION retention_delete_roster_rows(import_id bigint, cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE deleted bigint;
BEGIN
    IF cutoff > now() THEN
        RAISE EXCEPTION 'cutoff % lies in the future', cutoff;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM enrollment_rosterimport WHERE id = import_id
                   AND ((status = 'applied' AND applied_at < cutoff) OR (status <> 'applied' AND created_at < cutoff))) THEN
        RAISE EXCEPTION 'the rows of roster import % are not due', import_id;
    END IF;
    DELETE FROM enrollment_rosterrow WHERE roster_import_id = import_id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN deleted;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_job_result_url"),
        ("enrollment", "0006_scheme_year_one_year_90_days"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, reverse_sql="DROP FUNCTION retention_delete_access_log(timestamptz);"
                                                 "DROP FUNCTION retention_delete_roster_rows(bigint, timestamptz);"),
    ]
