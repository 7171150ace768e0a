"""The database function a key rotation re-seals through (core/key_rotation.py): owned by the
migration owner (SECURITY DEFINER), so the runtime role, which may not update the append-only
audit tables, can re-seal their personal data, and only that. It accepts a column whose comment
says "SM4-GCM sealed", new values in the sealed format (version 1) under the key rotated to, and
changes a row only where its value is still the old one the caller read and is under another key
(compare and swap): no other column, no value already under the current key, no row changed
meanwhile. The caller marks the table's row triggers ignored for its transaction (pgtrigger), which
takes effect only inside this function when the caller is the runtime role."""

from django.db import migrations

FUNCTION = """
CREATE FUNCTION personal_data_reseal(target regclass, key_column name, sealed_column name,
                                     ids bigint[], old_values bytea[], new_values bytea[], key_id integer)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    header bytea := '\\x01'::bytea || substring(int4send(key_id) FROM 3 FOR 2);
    updated bigint;
BEGIN
    IF key_id NOT BETWEEN 1 AND 65535 THEN
        RAISE EXCEPTION 'key id % out of range', key_id;
    END IF;
    IF coalesce(col_description(target, (SELECT attnum FROM pg_attribute WHERE attrelid = target
                                         AND attname = sealed_column AND NOT attisdropped)), '')
       NOT LIKE 'SM4-GCM sealed %' THEN
        RAISE EXCEPTION 'column %.% holds no sealed personal data', target, sealed_column;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                   WHERE i.indrelid = target AND i.indisprimary AND i.indnatts = 1 AND a.attname = key_column) THEN
        RAISE EXCEPTION '% is not the primary key of %', key_column, target;
    END IF;
    IF cardinality(ids) <> cardinality(old_values) OR cardinality(ids) <> cardinality(new_values) THEN
        RAISE EXCEPTION 'ids and values differ in number';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(new_values) AS v(value)
               WHERE value IS NULL OR length(value) < 31 OR substring(value FROM 1 FOR 3) <> header) THEN
        RAISE EXCEPTION 'a new value is not sealed under key %', key_id;
    END IF;
    EXECUTE format(
        'UPDATE %s AS t SET %I = v.new_value FROM unnest($1, $2, $3) AS v(id, old_value, new_value) '
        'WHERE t.%I = v.id AND t.%I = v.old_value AND substring(t.%I FROM 1 FOR 3) <> $4',
        target, sealed_column, key_column, sealed_column, sealed_column)
    USING ids, old_values, new_values, header;
    GET DIAGNOSTICS updated = ROW_COUNT;
    RETURN updated;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [("core", "0009_user_phone")]

    operations = [
        migrations.RunSQL(FUNCTION, reverse_sql="DROP FUNCTION personal_data_reseal(regclass, name, name, bigint[], "
                                                "bytea[], bytea[], integer);"),
    ]
