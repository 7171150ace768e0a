"""Point 2 of the foundation: one PostgreSQL database, no SQLite anywhere, btree_gist enabled,
and a project-local cluster that scripts/lib.sh creates, reuses and stops, as root (with the
cluster owned by an unprivileged account, even below a folder only root may enter) and as an
ordinary user."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_no_sqlite_anywhere():
    offenders = []
    for folder in ("tongzhou_care", "enrollment", "claims", "oversight", "tests", "scripts", "bench"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".sh", ".ini", ".toml", "") \
                    and path.name != Path(__file__).name:
                if "sqlite" in path.read_text(encoding="utf-8", errors="ignore").lower():
                    offenders.append(str(path))
    assert offenders == []


@pytest.mark.django_db
def test_btree_gist_and_pg_trgm_are_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        extensions = {row[0] for row in cursor.fetchall()}
    assert {"btree_gist", "pg_trgm"} <= extensions


def _lifecycle_script(project: Path) -> str:
    return f"""
        set -e
        source {project}/scripts/lib.sh
        pg_start
        pg_is_running
        port=$(cat "$(pg_home)/port")
        PGPASSWORD=$(cat "$(pg_home)/password") psql -h 127.0.0.1 -p $port -U tongzhou -d postgres \
            -tAc "CREATE EXTENSION IF NOT EXISTS btree_gist; SELECT 'ok-' || current_user"
        pg_start   # second call: reuses the running cluster
        pg_stop
        ! pg_is_running
        pg_start   # restarts the same cluster
        pg_stop
        echo "home=$(pg_home)"
    """


def _copy_scripts(into: Path) -> Path:
    project = into / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "lib.sh", project / "scripts" / "lib.sh")
    return project


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path needs root")
def test_local_cluster_as_root_below_a_root_only_folder():
    with tempfile.TemporaryDirectory() as tmp:       # mode 700, like mktemp -d in CI
        project = _copy_scripts(Path(tmp))
        result = subprocess.run(["bash", "-c", _lifecycle_script(project)],
                                capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok-tongzhou" in result.stdout
        home = result.stdout.strip().splitlines()[-1].removeprefix("home=")
        # The unprivileged owner cannot reach below the root-only folder, so the cluster lives
        # in /var/tmp behind the .pg symlink.
        assert (project / ".pg").is_symlink() and home.startswith("/var/tmp/")
        shutil.rmtree(home)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"),
                    reason="needs root to switch to an ordinary user")
def test_local_cluster_as_an_ordinary_user():
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        project = _copy_scripts(Path(tmp))
        subprocess.run(["chown", "-R", "nobody", str(project)], check=True)
        result = subprocess.run(
            ["runuser", "-u", "nobody", "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=/tmp",
             "bash", "-c", _lifecycle_script(project)],
            capture_output=True, text=True, timeout=180, cwd="/",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok-tongzhou" in result.stdout
        assert (project / ".pg" / "data" / "PG_VERSION").exists()
        assert not (project / ".pg").is_symlink()
