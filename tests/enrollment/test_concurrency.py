"""S18: two imports applied at the same moment cannot both apply (real threads, real
PostgreSQL, committed transactions)."""

import threading

import pytest
from django.db import connection

from enrollment.models import Person, RosterImport
from enrollment.services import roster_import_apply, roster_import_preview
from tests import rosters
from tests.factories import make_user
from tongzhou_care.core.models import Role
from tongzhou_care.core.rules import RuleViolation


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_applies_one_wins(tmp_path):
    admin = make_user(Role.COMMISSION_ADMIN)
    roster = rosters.sample()
    path = rosters.as_xlsx(roster, tmp_path)
    previews = [roster_import_preview(path=path, file_name=f"{i}.xlsx", roster_year=2026, actor=admin)
                for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(ri):
        try:
            barrier.wait()
            roster_import_apply(roster_import_id=ri.pk, actor=admin, kinds={"new"}, skip_errors=False)
            outcomes.append("applied")
        except RuleViolation as violation:
            outcomes.append(violation.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(ri,)) for ri in previews]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["applied", "superseded"]
    assert RosterImport.objects.filter(status="applied").count() == 1
    assert Person.objects.count() == previews[0].new_count
