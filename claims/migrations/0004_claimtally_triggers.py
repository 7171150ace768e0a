from django.db import migrations

# Statement-level triggers with transition tables: one aggregate per statement, so a bulk
# insert of a million claims costs one upsert per (street, insurer, status), not a million.
FUNCTION = """
CREATE FUNCTION claims_claimtally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Lock the tally rows this statement will change in one order (their ids): two claims
    -- moving in opposite directions (refused -> appealed, appealed -> refused) cannot deadlock.
    IF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM claims_claimtally t
        WHERE (t.street_id, t.insurer_id, t.status) IN (
            SELECT street_id, insurer_id, status FROM old_claims
            UNION SELECT street_id, insurer_id, status FROM new_claims)
        ORDER BY t.id FOR UPDATE;
    END IF;
    -- Rows leaving a (street, insurer, status) were counted when they arrived, so its tally row
    -- exists: a plain UPDATE (an upsert would have its negative insert row refused by the CHECK).
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE claims_claimtally t SET n = t.n - gone.c
        FROM (SELECT street_id, insurer_id, status, count(*) AS c FROM old_claims
              GROUP BY street_id, insurer_id, status) gone
        WHERE t.street_id = gone.street_id AND t.insurer_id = gone.insurer_id AND t.status = gone.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO claims_claimtally (street_id, insurer_id, status, n)
        SELECT street_id, insurer_id, status, count(*) FROM new_claims
        GROUP BY street_id, insurer_id, status
        ON CONFLICT (street_id, insurer_id, status) DO UPDATE SET n = claims_claimtally.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER claims_claimtally_insert AFTER INSERT ON claims_claim
    REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtally_apply();
CREATE TRIGGER claims_claimtally_update AFTER UPDATE ON claims_claim
    REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtally_apply();
CREATE TRIGGER claims_claimtally_delete AFTER DELETE ON claims_claim
    REFERENCING OLD TABLE AS old_claims FOR EACH STATEMENT EXECUTE FUNCTION claims_claimtally_apply();
"""

REVERSE = """
DROP TRIGGER claims_claimtally_insert ON claims_claim;
DROP TRIGGER claims_claimtally_update ON claims_claim;
DROP TRIGGER claims_claimtally_delete ON claims_claim;
DROP FUNCTION claims_claimtally_apply();
"""


class Migration(migrations.Migration):
    """Keep ClaimTally true in the database itself (derived counts for home pages and totals)."""

    dependencies = [("claims", "0003_claimtally")]

    operations = [
        migrations.RunSQL(FUNCTION, REVERSE),
        migrations.RunSQL(
            "INSERT INTO claims_claimtally (street_id, insurer_id, status, n) "
            "SELECT street_id, insurer_id, status, count(*) FROM claims_claim "
            "GROUP BY street_id, insurer_id, status",
            migrations.RunSQL.noop,
        ),
    ]
