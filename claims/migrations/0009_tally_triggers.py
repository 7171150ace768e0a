from django.db import migrations

# Statement-level triggers with transition tables, as ClaimTally's (0004): one aggregate per
# statement. Each statement's net change is applied in one upsert whose rows are taken in key
# order, so two transactions touching the same tally rows lock them in the same order.

UPSERT_DAY = """
        INSERT INTO claims_claimdaytally (admitted_on, street_id, insurer_id, status, n)
        SELECT admitted_on, street_id, insurer_id, status, sum(d) FROM ({rows}) moved
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (admitted_on, street_id, insurer_id, status)
        DO UPDATE SET n = claims_claimdaytally.n + EXCLUDED.n;"""
NEW_CLAIMS = "SELECT admitted_on, street_id, insurer_id, status, 1 AS d FROM new_claims"
OLD_CLAIMS = "SELECT admitted_on, street_id, insurer_id, status, -1 AS d FROM old_claims"

DAY_TALLY = f"""
CREATE FUNCTION claims_claimdaytally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{UPSERT_DAY.format(rows=NEW_CLAIMS)}
    ELSIF TG_OP = 'UPDATE' THEN{UPSERT_DAY.format(rows=NEW_CLAIMS + " UNION ALL " + OLD_CLAIMS)}
    ELSE{UPSERT_DAY.format(rows=OLD_CLAIMS)}
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION claims_claimdaytally_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM claims_claimdaytally;
    INSERT INTO claims_claimdaytally (admitted_on, street_id, insurer_id, status, n)
    SELECT admitted_on, street_id, insurer_id, status, count(*) FROM claims_claim GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;
CREATE TRIGGER claims_claimdaytally_insert AFTER INSERT ON claims_claim
    REFERENCING NEW TABLE AS new_claims FOR EACH STATEMENT EXECUTE FUNCTION claims_claimdaytally_apply();
CREATE TRIGGER claims_claimdaytally_update AFTER UPDATE ON claims_claim
    REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimdaytally_apply();
CREATE TRIGGER claims_claimdaytally_delete AFTER DELETE ON claims_claim
    REFERENCING OLD TABLE AS old_claims FOR EACH STATEMENT EXECUTE FUNCTION claims_claimdaytally_apply();
CREATE TRIGGER claims_claimdaytally_truncate AFTER TRUNCATE ON claims_claim
    FOR EACH STATEMENT EXECUTE FUNCTION claims_claimdaytally_rebuild();
"""

# What one set of rows of each table contributes to the paid tally, as
# (scheme_year_id, paid_on, street_id, insurer_id, amount, days, portions): a paid claim's
# portions on its payment's day, a settled supplement's portions on its settlement day. A row
# counts when both its halves exist, so the trigger of whichever is written last adds it.
PAID_BY_PAYMENTS = """
    SELECT pol.scheme_year_id, p.paid_on, c.street_id, c.insurer_id, cp.amount, cp.days_payable, 1
    FROM {rows} p JOIN claims_claim c ON c.id = p.claim_id
    JOIN claims_claimportion cp ON cp.claim_id = p.claim_id
    JOIN enrollment_policy pol ON pol.id = cp.policy_id"""
PAID_BY_PORTIONS = """
    SELECT pol.scheme_year_id, p.paid_on, c.street_id, c.insurer_id, cp.amount, cp.days_payable, 1
    FROM {rows} cp JOIN claims_payment p ON p.claim_id = cp.claim_id
    JOIN claims_claim c ON c.id = cp.claim_id
    JOIN enrollment_policy pol ON pol.id = cp.policy_id"""
PAID_BY_SUPPLEMENTS = """
    SELECT pol.scheme_year_id, s.settled_on, c.street_id, c.insurer_id, sp.amount_difference, sp.days_difference, 0
    FROM {rows} s JOIN claims_claim c ON c.id = s.claim_id
    JOIN claims_supplementportion sp ON sp.supplement_id = s.id
    JOIN enrollment_policy pol ON pol.id = sp.policy_id
    WHERE s.settled_at IS NOT NULL"""
PAID_BY_SUPPLEMENT_PORTIONS = """
    SELECT pol.scheme_year_id, s.settled_on, c.street_id, c.insurer_id, sp.amount_difference, sp.days_difference, 0
    FROM {rows} sp JOIN claims_supplement s ON s.id = sp.supplement_id AND s.settled_at IS NOT NULL
    JOIN claims_claim c ON c.id = s.claim_id
    JOIN enrollment_policy pol ON pol.id = sp.policy_id"""
# A claim's street and insurer are fixed at report; should one change all the same, the claim's
# money moves with it (claims whose street and insurer did not change contribute nothing here).
PAID_BY_CLAIMS = """
    SELECT pol.scheme_year_id, p.paid_on, c.street_id, c.insurer_id, cp.amount, cp.days_payable, 1
    FROM {rows} c JOIN claims_payment p ON p.claim_id = c.id
    JOIN claims_claimportion cp ON cp.claim_id = c.id
    JOIN enrollment_policy pol ON pol.id = cp.policy_id
    UNION ALL
    SELECT pol.scheme_year_id, s.settled_on, c.street_id, c.insurer_id, sp.amount_difference, sp.days_difference, 0
    FROM {rows} c JOIN claims_supplement s ON s.claim_id = c.id AND s.settled_at IS NOT NULL
    JOIN claims_supplementportion sp ON sp.supplement_id = s.id
    JOIN enrollment_policy pol ON pol.id = sp.policy_id"""
MOVED_CLAIMS = ("(SELECT {a}.* FROM {a} JOIN {b} ON {b}.id = {a}.id "
                "WHERE ({a}.street_id, {a}.insurer_id) IS DISTINCT FROM ({b}.street_id, {b}.insurer_id))")

UPSERT_PAID = """
        INSERT INTO claims_paidtally (scheme_year_id, paid_on, street_id, insurer_id, amount, days, portions)
        SELECT k1, k2, k3, k4, sum(a), sum(d), sum(n) FROM ({rows}) moved (k1, k2, k3, k4, a, d, n)
        GROUP BY 1, 2, 3, 4 HAVING sum(a) <> 0 OR sum(d) <> 0 OR sum(n) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (scheme_year_id, paid_on, street_id, insurer_id) DO UPDATE
        SET amount = claims_paidtally.amount + EXCLUDED.amount, days = claims_paidtally.days + EXCLUDED.days,
            portions = claims_paidtally.portions + EXCLUDED.portions;"""


def _negated(part: str) -> str:
    return f"SELECT k1, k2, k3, k4, -a, -d, -n FROM ({part}) gone (k1, k2, k3, k4, a, d, n)"


def _paid_function(name: str, part: str, new: str = "new_rows", old: str = "old_rows") -> str:
    inserted, deleted = part.format(rows=new), _negated(part.format(rows=old))
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{UPSERT_PAID.format(rows=inserted)}
    ELSIF TG_OP = 'UPDATE' THEN{UPSERT_PAID.format(rows=inserted + " UNION ALL " + deleted)}
    ELSE{UPSERT_PAID.format(rows=deleted)}
    END IF;
    RETURN NULL;
END $$;"""


def _triggers(function: str, table: str, events=("INSERT", "UPDATE", "DELETE")) -> str:
    sql = []
    for event in events:
        referencing = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                       "DELETE": "OLD TABLE AS old_rows"}[event]
        sql.append(f"CREATE TRIGGER {function}_{event.lower()} AFTER {event} ON {table} "
                   f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();")
    sql.append(f"CREATE TRIGGER {function}_truncate AFTER TRUNCATE ON {table} "
               "FOR EACH STATEMENT EXECUTE FUNCTION claims_paidtally_rebuild();")
    return "\n".join(sql)


SOURCES = [  # (function, table, part)
    ("claims_paidtally_payment", "claims_payment", PAID_BY_PAYMENTS),
    ("claims_paidtally_portion", "claims_claimportion", PAID_BY_PORTIONS),
    ("claims_paidtally_supplement", "claims_supplement", PAID_BY_SUPPLEMENTS),
    ("claims_paidtally_supplementportion", "claims_supplementportion", PAID_BY_SUPPLEMENT_PORTIONS),
]
REBUILD_PAID = f"""
CREATE FUNCTION claims_paidtally_rebuild() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM claims_paidtally;
    INSERT INTO claims_paidtally (scheme_year_id, paid_on, street_id, insurer_id, amount, days, portions)
    SELECT k1, k2, k3, k4, sum(a), sum(d), sum(n)
    FROM ({PAID_BY_PAYMENTS.format(rows="claims_payment")} UNION ALL
          {PAID_BY_SUPPLEMENTS.format(rows="claims_supplement")}) every_row (k1, k2, k3, k4, a, d, n)
    GROUP BY 1, 2, 3, 4;
    RETURN NULL;
END $$;"""

PAID_TALLY = "\n".join(
    [REBUILD_PAID]
    + [_paid_function(function, part) + "\n" + _triggers(function, table) for function, table, part in SOURCES]
    + [_paid_function("claims_paidtally_claim", PAID_BY_CLAIMS,
                      new=MOVED_CLAIMS.format(a="new_rows", b="old_rows"),
                      old=MOVED_CLAIMS.format(a="old_rows", b="new_rows")),
       "CREATE TRIGGER claims_paidtally_claim_update AFTER UPDATE ON claims_claim "
       "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
       "FOR EACH STATEMENT EXECUTE FUNCTION claims_paidtally_claim();",
       "CREATE TRIGGER claims_paidtally_claim_truncate AFTER TRUNCATE ON claims_claim "
       "FOR EACH STATEMENT EXECUTE FUNCTION claims_paidtally_rebuild();"]
)

REVERSE = "\n".join(
    ["DROP TRIGGER claims_claimdaytally_%s ON claims_claim;" % e for e in ("insert", "update", "delete", "truncate")]
    + ["DROP FUNCTION claims_claimdaytally_apply(); DROP FUNCTION claims_claimdaytally_rebuild();"]
    + [f"DROP TRIGGER {f}_{e} ON {t};" for f, t, _ in SOURCES for e in ("insert", "update", "delete", "truncate")]
    + ["DROP TRIGGER claims_paidtally_claim_update ON claims_claim;",
       "DROP TRIGGER claims_paidtally_claim_truncate ON claims_claim;"]
    + [f"DROP FUNCTION {f}();" for f, _, _ in SOURCES]
    + ["DROP FUNCTION claims_paidtally_claim(); DROP FUNCTION claims_paidtally_rebuild();"]
)

FILL = f"""
INSERT INTO claims_claimdaytally (admitted_on, street_id, insurer_id, status, n)
SELECT admitted_on, street_id, insurer_id, status, count(*) FROM claims_claim GROUP BY 1, 2, 3, 4;
INSERT INTO claims_paidtally (scheme_year_id, paid_on, street_id, insurer_id, amount, days, portions)
SELECT k1, k2, k3, k4, sum(a), sum(d), sum(n)
FROM ({PAID_BY_PAYMENTS.format(rows="claims_payment")} UNION ALL
      {PAID_BY_SUPPLEMENTS.format(rows="claims_supplement")}) every_row (k1, k2, k3, k4, a, d, n)
GROUP BY 1, 2, 3, 4;
"""


class Migration(migrations.Migration):
    """Keep ClaimDayTally and PaidTally true in the database itself, whatever writes the rows
    (services, bulk updates, raw SQL, TRUNCATE)."""

    dependencies = [("claims", "0008_day_and_paid_tallies")]

    operations = [
        migrations.RunSQL(DAY_TALLY + PAID_TALLY, REVERSE),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
