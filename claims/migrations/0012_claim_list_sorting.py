import importlib

from django.db import migrations, models

# The claim tally also keeps the decided amount (核定金额) of its claims, so the claims list's
# totals (count and amount) for a state or street come from a few rows, however many claims
# there are. The function of 0004 with the amount added; its triggers stay as they are.
FUNCTION = """
CREATE OR REPLACE FUNCTION claims_claimtally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
        UPDATE claims_claimtally t SET n = t.n - gone.c, amount = t.amount - gone.a
        FROM (SELECT street_id, insurer_id, status, count(*) AS c, coalesce(sum(amount), 0) AS a
              FROM old_claims GROUP BY street_id, insurer_id, status) gone
        WHERE t.street_id = gone.street_id AND t.insurer_id = gone.insurer_id AND t.status = gone.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO claims_claimtally (street_id, insurer_id, status, n, amount)
        SELECT street_id, insurer_id, status, count(*), coalesce(sum(amount), 0) FROM new_claims
        GROUP BY street_id, insurer_id, status
        ON CONFLICT (street_id, insurer_id, status) DO UPDATE
            SET n = claims_claimtally.n + EXCLUDED.n, amount = claims_claimtally.amount + EXCLUDED.amount;
    END IF;
    RETURN NULL;
END $$;
"""


def _previous(migration: str, sql: str) -> str:
    """The functions an earlier migration created (without its triggers), to put back when this
    migration is reversed."""
    previous = getattr(importlib.import_module(f"claims.migrations.{migration}"), sql)
    return previous.split("CREATE TRIGGER")[0].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


BACKFILL = """
UPDATE claims_claimtally t SET amount = s.a
FROM (SELECT street_id, insurer_id, status, coalesce(sum(amount), 0) AS a FROM claims_claim
      GROUP BY street_id, insurer_id, status) s
WHERE t.street_id = s.street_id AND t.insurer_id = s.insurer_id AND t.status = s.status
"""


class Migration(migrations.Migration):
    """The claims list sorted by its columns (indexes for the sorts the existing ones do not
    serve) with totals of count and decided amount (the state tally keeps the amount)."""

    dependencies = [("claims", "0011_figure_tally_triggers")]

    operations = [
        migrations.AddField(
            model_name="claimtally", name="amount",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=16),
        ),
        migrations.RunSQL(FUNCTION, _previous("0004_claimtally_triggers", "FUNCTION")),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["admitted_on", "id"], name="claim_admitted_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["discharged_on", "id"], name="claim_discharged_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["amount", "id"], name="claim_amount_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["status", "-reported_at", "-id"], name="claim_status_sort_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["street", "number"], name="claim_street_number_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["street", "admitted_on", "id"], name="claim_street_admitted_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["street", "discharged_on", "id"], name="claim_street_discharged_idx"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["street", "amount", "id"], name="claim_street_amount_idx"),
        ),
    ]
