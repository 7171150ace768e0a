"""Keep the figure tallies (claims/tallies.py) true in the database itself, whatever writes the
rows: statement-level triggers with transition tables, as ClaimTally's (0004).

Each tally is one aggregate over a join of source tables (its PARTS below). A statement changes
one table, so the tally changes by the parts evaluated over that statement's new rows minus the
same parts over its old rows, every other table read as it is (both halves of a join counted
by the trigger of whichever is written last, deleted by whichever goes first: any write order
holds, deferred foreign keys included). Each trigger run sums that change per key and applies
it in one upsert whose rows are taken in key order, tally after tally in one fixed order
(ClaimYearTally, ClaimStepTally, MoneyTally, PolicyDaysTally, then the mismatch set), so two
transactions lock the rows they share in the same order. An UPDATE that changes no column a
tally reads (a payee, a document, the allowance counter) costs one comparison and nothing else.

The claim's scheme year is the one of its admission day (the earliest year ending on or after
it). Creating, deleting or moving a scheme year re-counts the claims admitted in the window
whose year changed; TRUNCATE of a source table counts everything again.

SLA steps are counted by the official working days they took (claims_workday, filled from
tongzhou_care.core.workdays and re-synced after every migrate: claims/tallies.py).

What the dashboards' tallies (0009) already count is not counted again: how many claims (their
ClaimDayTally) and the money paid (their PaidTally). Money belongs to the scheme year of the
paying policy, read at the time the portion is written, so a policy must never change its scheme
year: the database refuses it (POLICY_YEAR_FIXED; no service does it)."""

from django.db import migrations

TZ = "Asia/Shanghai"             # settings.TIME_ZONE: the local day of a timestamp


def local(expression: str) -> str:
    return f"(({expression}) AT TIME ZONE '{TZ}')::date"


# The scheme years with the admission days each one takes: (after, until].
YEARS = """(SELECT id, coverage_end AS until,
                   coalesce(lag(coverage_end) OVER (ORDER BY coverage_end), '-infinity'::date) AS after
            FROM ({set}) sy)"""
CURRENT_YEARS = YEARS.format(set="SELECT id, coverage_end FROM enrollment_schemeyear")
IN_YEAR = "JOIN {years} y ON c.admitted_on > y.after AND c.admitted_on <= y.until"

# Each SLA step: (name, the moment it started, the moment it was done), as
# oversight/selectors/figures.py measures them.
STEPS = [
    ("accept", "c.reported_at", "least(c.documents_requested_at, c.accepted_at, c.refused_at)"),
    ("decide", "c.accepted_at", "least(CASE WHEN c.decided_at >= c.accepted_at THEN c.decided_at END, "
                                "CASE WHEN c.refused_at >= c.accepted_at THEN c.refused_at END)"),
    ("pay", "c.decided_at", "CASE WHEN c.decided_at IS NOT NULL THEN c.paid_at END"),
    ("refusal_notice", "c.refused_at", "CASE WHEN c.refused_at IS NOT NULL THEN c.refusal_notice_sent_at END"),
]
STEP_ROWS = ",\n".join(f"('{name}', {local(started)}, {local(done)})" for name, started, done in STEPS)

# Each tally: its table, key columns, value columns, and its parts (SELECTs of key + values)
# over the source tables {claims}, {portions}, {payments}, {supplements}, {supplement_portions},
# {policies} and the years {years}.
TALLIES = {
    # How many claims: ClaimDayTally (claims 0009), summed over the year's admission days.
    "claimyear": ("claims_claimyeartally", ("scheme_year_id", "street_id", "insurer_id", "status"),
                  ("amount", "supplements", "with_payment"), [
        f"""SELECT y.id, c.street_id, c.insurer_id, c.status, coalesce(c.amount, 0), 0, 0
            FROM {{claims}} c {IN_YEAR}""",
        f"""SELECT y.id, c.street_id, c.insurer_id, c.status, 0, s.amount_difference, 0
            FROM {{supplements}} s JOIN {{claims}} c ON c.id = s.claim_id {IN_YEAR}""",
        f"""SELECT y.id, c.street_id, c.insurer_id, c.status, 0, 0, 1
            FROM {{payments}} p JOIN {{claims}} c ON c.id = p.claim_id {IN_YEAR}""",
    ]),
    # Working days a step took: 0 when done on the day it started (or before); else the working
    # days between, plus one when done on a rest day (so that "≤ the SLA" means "on or before
    # the SLA's due day", claims.rules.add_working_days); 32767 outside the calendar (late).
    "step": ("claims_claimsteptally", ("scheme_year_id", "street_id", "insurer_id", "step", "working_days"),
             ("claims",), [
        f"""SELECT y.id, c.street_id, c.insurer_id, st.step,
                   CASE WHEN st.done IS NULL THEN -1
                        WHEN st.done <= st.started THEN 0
                        ELSE coalesce(wd.n - ws.n + CASE WHEN wd.workday THEN 0 ELSE 1 END, 32767) END, 1
            FROM {{claims}} c {IN_YEAR}
            CROSS JOIN LATERAL (VALUES {STEP_ROWS}) st (step, started, done)
            LEFT JOIN claims_workday ws ON ws.day = st.started
            LEFT JOIN claims_workday wd ON wd.day = st.done
            WHERE st.done IS NOT NULL OR (c.due_step = st.step AND c.due_on IS NOT NULL)""",
    ]),
    # Paid amount and days: PaidTally (claims 0009). A claim is paid when its payment is recorded.
    "money": ("claims_moneytally", ("scheme_year_id", "street_id", "insurer_id"), ("owed", "paid_stays"), [
        """SELECT pol.scheme_year_id, c.street_id, c.insurer_id, cp.amount, 0
           FROM {portions} cp JOIN {claims} c ON c.id = cp.claim_id
           JOIN {policies} pol ON pol.id = cp.policy_id
           WHERE c.status = 'decided'""",
        """SELECT pol.scheme_year_id, c.street_id, c.insurer_id, 0, 1
           FROM {portions} cp JOIN {payments} pay ON pay.claim_id = cp.claim_id
           JOIN {claims} c ON c.id = cp.claim_id JOIN {policies} pol ON pol.id = cp.policy_id
           WHERE cp.days_payable > 0""",
        """SELECT pol.scheme_year_id, c.street_id, c.insurer_id, sp.amount_difference, 0
           FROM {supplement_portions} sp JOIN {supplements} s ON s.id = sp.supplement_id
           JOIN {claims} c ON c.id = s.claim_id JOIN {policies} pol ON pol.id = sp.policy_id
           WHERE s.settled_at IS NULL""",
    ]),
    "policydays": ("claims_policydaystally", ("policy_id", "street_id", "insurer_id"), ("days",), [
        """SELECT cp.policy_id, c.street_id, c.insurer_id, cp.days_covered
           FROM {portions} cp JOIN {claims} c ON c.id = cp.claim_id
           WHERE c.status IN ('decided', 'paid')""",
    ]),
}
TABLES = {"claims": "claims_claim", "portions": "claims_claimportion", "payments": "claims_payment",
          "supplements": "claims_supplement", "supplement_portions": "claims_supplementportion",
          "policies": "enrollment_policy"}

# Each source table: the columns a tally or the mismatch set reads (an UPDATE changing none of
# them changes no tally), and the claims whose mismatch it can change.
SOURCES = {
    "claims": ("id, status, street_id, insurer_id, admitted_on, amount, reported_at, documents_requested_at, "
               "accepted_at, decided_at, refused_at, refusal_notice_sent_at, paid_at, due_step, due_on IS NULL", "id"),
    "portions": ("id, claim_id, policy_id, amount, days_payable, days_covered", None),
    "payments": ("id, claim_id, amount, recorded_at", "claim_id"),
    "supplements": ("id, claim_id, amount_difference, settled_at, decided_at", "claim_id"),
    "supplement_portions": ("id, supplement_id, policy_id, amount_difference, days_difference", None),
}

# The paid claims among {ids} not paid in full (oversight/selectors/figures.py "full payment").
MISMATCHED = """
    SELECT c.id FROM claims_claim c JOIN claims_payment pay ON pay.claim_id = c.id
    LEFT JOIN (SELECT s.claim_id, sum(s.amount_difference) AS total,
                      sum(s.amount_difference) FILTER (WHERE s.settled_at IS NOT NULL
                                                        AND s.decided_at > p.recorded_at) AS later
               FROM claims_supplement s JOIN claims_payment p ON p.claim_id = s.claim_id
               WHERE {where_s} GROUP BY s.claim_id) s ON s.claim_id = c.id
    WHERE c.status = 'paid' AND {where_c} AND pay.amount + coalesce(s.later, 0) <> c.amount + coalesce(s.total, 0)"""


def parts_over(tally: str, **sources) -> list[str]:
    """The tally's parts that read one of `sources`, with those tables replaced by the given
    rows and every other table as it is."""
    _, _, _, parts = TALLIES[tally]
    names = {**TABLES, "years": CURRENT_YEARS, **sources}
    touched = [name for name in sources if name != "years"]
    return [part.format(**names) for part in parts if not touched or any("{" + n + "}" in part for n in touched)]


def upsert(tally: str, added: list[str], removed: list[str]) -> str:
    """Add the rows of `added` and take away those of `removed`, summed per key, in key order."""
    table, keys, values, _ = TALLIES[tally]
    k = [f"k{i}" for i in range(len(keys))]
    v = [f"v{i}" for i in range(len(values))]
    rows = [f"SELECT * FROM ({p}) a" for p in added]
    rows += [f"SELECT {', '.join(k)}, {', '.join('-' + x for x in v)} FROM ({p}) r ({', '.join(k + v)})"
             for p in removed]
    if not rows:
        return ""
    return f"""
    INSERT INTO {table} ({', '.join(keys + values)})
    SELECT {', '.join(k)}, {', '.join(f'sum({x})' for x in v)}
    FROM ({' UNION ALL '.join(rows)}) d ({', '.join(k + v)})
    GROUP BY {', '.join(k)} HAVING {' OR '.join(f'sum({x}) <> 0' for x in v)} ORDER BY {', '.join(k)}
    ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{x} = {table}.{x} + EXCLUDED.{x}' for x in values)};"""


def mismatch_refresh(ids: str) -> str:
    """Forget the claims `ids` in the mismatch set, then add those of them not paid in full."""
    return f"""
    DELETE FROM claims_claimpaymentmismatch WHERE claim_id IN ({ids});
    INSERT INTO claims_claimpaymentmismatch (claim_id)
    SELECT id FROM ({MISMATCHED.format(where_s=f's.claim_id IN ({ids})', where_c=f'c.id IN ({ids})')}) m
    ORDER BY id ON CONFLICT DO NOTHING;"""


def source_function(source: str) -> str:
    """The trigger function of one source table: every tally that reads it, in the fixed order."""
    columns, claim_column = SOURCES[source]
    branches = {"INSERT": ("new_rows", None),
                "UPDATE": ("(SELECT * FROM new_rows WHERE id = ANY(changed))",
                           "(SELECT * FROM old_rows WHERE id = ANY(changed))"),
                "DELETE": (None, "old_rows")}
    body = []
    for op, (added, removed) in branches.items():
        sql = [upsert(tally, parts_over(tally, **{source: added}) if added else [],
                      parts_over(tally, **{source: removed}) if removed else []) for tally in TALLIES]
        if claim_column:
            sql.append(mismatch_refresh(" UNION ".join(f"SELECT {claim_column} FROM {rows} x"
                                                       for rows in (added, removed) if rows)))
        body.append({"INSERT": "IF TG_OP = 'INSERT' THEN", "UPDATE": "ELSIF TG_OP = 'UPDATE' THEN",
                     "DELETE": "ELSE"}[op] + ("".join(sql) or "\n    NULL;"))
    counted = [c.strip() for c in columns.split(",")]
    old, new = (", ".join(f"{alias}.{c}" for c in counted) for alias in ("o", "n"))
    return f"""
CREATE FUNCTION claims_figuretallies_{source}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- Only the rows whose counted columns changed (a row whose id changed counts as gone and new).
        SELECT array_agg(DISTINCT id) INTO changed FROM (
            SELECT n.id FROM new_rows n WHERE NOT EXISTS (
                SELECT 1 FROM old_rows o WHERE o.id = n.id AND ROW({old}) IS NOT DISTINCT FROM ROW({new}))
            UNION ALL
            SELECT o.id FROM old_rows o WHERE NOT EXISTS (
                SELECT 1 FROM new_rows n WHERE n.id = o.id AND ROW({old}) IS NOT DISTINCT FROM ROW({new}))) x;
        IF changed IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    {chr(10).join(body)}
    END IF;
    RETURN NULL;
END $$;""" + "".join(f"""
CREATE TRIGGER claims_figuretallies_{source}_{op.lower()} AFTER {op} ON {TABLES[source]}
    REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION claims_figuretallies_{source}();"""
        for op, ref in TRANSITIONS)


TRANSITIONS = (("INSERT", "NEW TABLE AS new_rows"), ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
               ("DELETE", "OLD TABLE AS old_rows"))


def rebuild_sql(tally: str) -> str:
    table, keys, values, parts = TALLIES[tally]
    every = " UNION ALL ".join(f"SELECT * FROM ({p}) a" for p in parts_over(tally))
    k = [f"k{i}" for i in range(len(keys))]
    v = [f"v{i}" for i in range(len(values))]
    return f"""
    DELETE FROM {table};
    INSERT INTO {table} ({', '.join(keys + values)})
    SELECT {', '.join(k)}, {', '.join(f'sum({x})' for x in v)} FROM ({every}) d ({', '.join(k + v)})
    GROUP BY {', '.join(k)} ORDER BY {', '.join(k)};"""


# Children before the claim, as the services write them (payment, supplements, then the claim;
# portions, then the claim), so a rebuild waits for a writer instead of deadlocking with it.
LOCK_SOURCES = ("LOCK TABLE claims_payment, claims_supplement, claims_supplementportion, claims_claimportion, "
                "claims_claim IN SHARE MODE;")

CALENDAR = """
CREATE TABLE claims_workday (day date PRIMARY KEY, workday boolean NOT NULL, n integer NOT NULL);
COMMENT ON TABLE claims_workday IS 'Official working days (tongzhou_care.core.workdays); n: working days from the first day through this one. Synced after every migrate (claims/tallies.py).';
CREATE FUNCTION claims_workday_fill(first date, days boolean[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM claims_workday;
    INSERT INTO claims_workday (day, workday, n)
    SELECT first + (i - 1)::int, w, (sum(CASE WHEN w THEN 1 ELSE 0 END) OVER (ORDER BY i))::int
    FROM unnest(days) WITH ORDINALITY AS d (w, i);
$$;
"""

REBUILD = f"""
CREATE FUNCTION claims_figuretallies_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {LOCK_SOURCES}{''.join(rebuild_sql(t) for t in TALLIES)}
    DELETE FROM claims_claimpaymentmismatch;
    INSERT INTO claims_claimpaymentmismatch (claim_id)
    SELECT id FROM ({MISMATCHED.format(where_s='TRUE', where_c='TRUE')}) m ORDER BY id;
END $$;
CREATE FUNCTION claims_figuretallies_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM claims_figuretallies_rebuild();
    RETURN NULL;
END $$;
""" + "".join(f"""
CREATE TRIGGER claims_figuretallies_{source}_truncate AFTER TRUNCATE ON {TABLES[source]}
    FOR EACH STATEMENT EXECUTE FUNCTION claims_figuretallies_truncated();""" for source in TABLES if source != "policies")


def _years_rekey() -> str:
    """A scheme year created, deleted or moved: the claims admitted in the window whose year may
    have changed (after the latest unchanged year ending before the first changed one starts,
    up to the last changed year's end) leave their old year's rows and join their new one's."""
    window = "(SELECT * FROM claims_claim WHERE admitted_on > lo AND admitted_on <= hi)"
    old_sets = {
        "INSERT": "SELECT id, coverage_end FROM enrollment_schemeyear WHERE id NOT IN (SELECT id FROM new_rows)",
        "UPDATE": "SELECT id, coverage_end FROM enrollment_schemeyear WHERE id NOT IN (SELECT id FROM new_rows) "
                  "UNION ALL SELECT id, coverage_end FROM old_rows",
        "DELETE": "SELECT id, coverage_end FROM enrollment_schemeyear UNION ALL SELECT id, coverage_end FROM old_rows",
    }
    changed = {
        "INSERT": "SELECT id, coverage_start, coverage_end FROM new_rows",
        "UPDATE": """SELECT n.id, n.coverage_start, n.coverage_end FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (o.coverage_start, o.coverage_end) IS DISTINCT FROM (n.coverage_start, n.coverage_end)
                     UNION ALL
                     SELECT o.id, o.coverage_start, o.coverage_end FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (o.coverage_start, o.coverage_end) IS DISTINCT FROM (n.coverage_start, n.coverage_end)""",
        "DELETE": "SELECT id, coverage_start, coverage_end FROM old_rows",
    }
    branches = []
    for op in ("INSERT", "UPDATE", "DELETE"):
        old_years = YEARS.format(set=old_sets[op])
        moves = "".join(upsert(tally, parts_over(tally, claims=window), parts_over(tally, claims=window, years=old_years))
                        for tally in ("claimyear", "step"))
        branches.append(f"""{'IF' if op == 'INSERT' else 'ELSIF'} TG_OP = '{op}' THEN
        SELECT array_agg(id), min(coverage_start), max(coverage_end) INTO moved, first_start, hi FROM ({changed[op]}) x;
        IF hi IS NULL THEN
            RETURN NULL;
        END IF;
        {LOCK_SOURCES}
        SELECT coalesce(max(coverage_end), '-infinity') INTO lo FROM enrollment_schemeyear
        WHERE coverage_end < first_start AND id <> ALL(moved);{moves}""")
    return f"""
CREATE FUNCTION claims_figuretallies_schemeyears() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved bigint[];
    first_start date;
    lo date;
    hi date;
BEGIN
    {chr(10).join(branches)}
    END IF;
    RETURN NULL;
END $$;""" + "".join(f"""
CREATE TRIGGER claims_figuretallies_schemeyears_{op.lower()} AFTER {op} ON enrollment_schemeyear
    REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION claims_figuretallies_schemeyears();"""
        for op, ref in TRANSITIONS)


# The tallies keyed by the paying policy's scheme year (PaidTally, MoneyTally) follow no move of
# a policy to another year: none is allowed.
POLICY_YEAR_FIXED = """
CREATE FUNCTION claims_policy_year_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'policy % cannot move to another scheme year', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER claims_policy_year_fixed BEFORE UPDATE OF scheme_year_id ON enrollment_policy FOR EACH ROW
    WHEN (OLD.scheme_year_id IS DISTINCT FROM NEW.scheme_year_id) EXECUTE FUNCTION claims_policy_year_fixed();
"""

FORWARD = CALENDAR + REBUILD + "".join(source_function(s) for s in SOURCES) + _years_rekey() + POLICY_YEAR_FIXED

REVERSE = "".join(
    [f"DROP TRIGGER claims_figuretallies_{s}_{op} ON {TABLES[s]};\n" for s in SOURCES
     for op in ("insert", "update", "delete")]
    + [f"DROP TRIGGER claims_figuretallies_{s}_truncate ON {TABLES[s]};\n" for s in TABLES if s != "policies"]
    + [f"DROP TRIGGER claims_figuretallies_schemeyears_{op} ON enrollment_schemeyear;\n"
       for op in ("insert", "update", "delete")]
    + [f"DROP FUNCTION claims_figuretallies_{s}();\n" for s in SOURCES]
    + ["DROP FUNCTION claims_figuretallies_schemeyears(); DROP FUNCTION claims_figuretallies_truncated();\n",
       "DROP FUNCTION claims_figuretallies_rebuild(); DROP FUNCTION claims_workday_fill(date, boolean[]);\n",
       "DROP TABLE claims_workday;\n",
       "DROP TRIGGER claims_policy_year_fixed ON enrollment_policy; DROP FUNCTION claims_policy_year_fixed();\n"])


def fill_calendar(apps, schema_editor):
    """The official working days, as the triggers' SLA counting reads them (claims/tallies.py)."""
    from claims.tallies import CALENDAR_FIRST, calendar_days

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT claims_workday_fill(%s, %s::boolean[])", [CALENDAR_FIRST, list(calendar_days())])


class Migration(migrations.Migration):
    """The figure tallies' triggers and calendar, then the tallies counted from the existing rows."""

    dependencies = [("claims", "0010_figure_tallies")]

    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunPython(fill_calendar, migrations.RunPython.noop),
        migrations.RunSQL("SELECT claims_figuretallies_rebuild()", migrations.RunSQL.noop),
    ]
