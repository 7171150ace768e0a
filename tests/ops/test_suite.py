"""The rule tests run alone, on a machine with Python and the packages only: no PostgreSQL, no
browser, no LibreOffice (scripts/test --rules)."""

import os
import subprocess
import sys

from .conftest import ROOT


def test_rule_tests_run_without_database_browser_or_libreoffice(tmp_path):
    empty = tmp_path / "bin"            # an empty PATH: no psql, pg_ctl, chromium or soffice
    empty.mkdir()
    env = {"PATH": str(empty), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "DJANGO_SETTINGS_MODULE": "tongzhou_care.settings.test", "CHROMIUM_PATH": "/nonexistent"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-m", "rules", "-q", "-p", "no:xdist", "tests"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    passed = int(summary.split(" passed")[0].split()[-1])
    assert passed > 300 and " error" not in summary and "failed" not in summary
    assert "DATABASE_URL" not in env and os.environ.get("DATABASE_URL")     # the suite's own still has one
