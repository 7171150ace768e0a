"""Backups that restore: scripts/backup writes the demo data, scripts/restore rebuilds it into a
fresh database and media folder, and the restored data is the same data (docs/deploy.md)."""

import hashlib
import shutil
import subprocess

import psycopg2
import pytest
from django.core.management import call_command

from claims.models import ClaimDocument

from .conftest import ROOT, database_url, process_env

# Rows a user would check after a restore: every claim's decision and payment, every person's
# identity and state, every login, every policy's allowance, and where each sequence stands
# (new rows after the restore must not collide with restored ones).
KEY_ROWS = {
    "claims": "SELECT c.number, c.status, c.amount, c.days_payable, p.amount, p.bank_reference "
              "FROM claims_claim c LEFT JOIN claims_payment p ON p.claim_id = c.id ORDER BY c.id",
    "persons": "SELECT id, id_number, name, street_id, status, status_date, spouse_id FROM enrollment_person ORDER BY id",
    "users": "SELECT username, password, role, street_id FROM core_user ORDER BY id",
    "policies": "SELECT number, days_used, cover_start, cover_end FROM enrollment_policy ORDER BY id",
    "sequences": "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1",
}


def rows(url: str, query: str) -> list[tuple]:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def run(script: str, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / script), *map(str, args)], cwd=ROOT, env=process_env(**env),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def owner_role(transactional_db):
    """A role that is no superuser, as the migration owner of a real server is (docs/deploy.md):
    the restore connects as it and must manage alone (trusted extensions, no extension comments).
    The tests' own role when it is one already; else one made for the test."""
    from django.db import connection

    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            yield db["USER"], db["PASSWORD"]
            return
        role, password = f"{db['NAME']}_owner", "restore-drill-2026"
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB PASSWORD %s', [password])
    yield role, password
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.django_db(transaction=True)
def test_backup_of_the_demo_data_restores_into_a_fresh_database(tmp_path, media_root, owner_role, scratch_database):
    fresh = scratch_database("restored")
    role, password = owner_role
    admin = psycopg2.connect(database_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{fresh.rsplit("/", 1)[1]}" OWNER TO "{role}"')
    admin.close()
    host = fresh.split("@", 1)[1]
    fresh_database = f"postgres://{role}:{password}@{host}"         # restored as the owner role
    call_command("demo_data", logins_file=tmp_path / "logins.txt")
    document = ClaimDocument.objects.order_by("pk").first()
    original = (media_root / document.file.name).read_bytes()

    backups = tmp_path / "backups"
    for old in ("tongzhou_care-20200101-020000", "unrelated"):       # an expired backup, a stranger
        (backups / old).mkdir(parents=True)
    backed_up = run("backup", backups, "--keep-days", 35, MEDIA_ROOT=media_root)
    assert backed_up.returncode == 0, backed_up.stderr
    folder = backups / backed_up.stdout.strip().splitlines()[-1].rsplit("/", 1)[-1]
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "database.dump", "manifest.json", "media.tar"]
    assert sorted(p.name for p in backups.iterdir()) == sorted([folder.name, "unrelated"])
    assert subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=folder).returncode == 0

    restored_media = tmp_path / "restored-media"
    restored = run("restore", folder, DATABASE_URL=fresh_database, MEDIA_ROOT=restored_media)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "校验一致" in restored.stdout

    source = database_url()
    tables = [t for (t,) in rows(source, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    assert len(tables) > 30
    for table in tables:
        count = f'SELECT count(*) FROM "{table}"'
        assert rows(fresh_database, count) == rows(source, count), table
    for name, query in KEY_ROWS.items():
        assert rows(fresh_database, query) == rows(source, query), name
    # The document a user would open: same bytes, and the checksum its row recorded.
    copy = (restored_media / document.file.name).read_bytes()
    assert copy == original and hashlib.sha256(copy).hexdigest() == document.sha256
    assert rows(fresh_database, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'") == [(role,)]
    # The code finds the restored database at its own migration state.
    check = subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "--check"], cwd=ROOT,
                           env=process_env(DATABASE_URL=fresh_database), capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    # Never over live data: a second restore into the now filled database is refused.
    again = run("restore", folder, DATABASE_URL=fresh_database, MEDIA_ROOT=tmp_path / "other-media")
    assert again.returncode != 0 and "not empty" in again.stderr
    # A damaged copy is refused before anything is touched.
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    with (damaged / "media.tar").open("r+b") as f:
        f.seek(2000)
        byte = f.read(1)
        f.seek(2000)
        f.write(bytes([byte[0] ^ 0xFF]))
    refused = run("restore", damaged, "--verify-only")
    assert refused.returncode != 0 and "media.tar does not match its checksum" in refused.stderr
