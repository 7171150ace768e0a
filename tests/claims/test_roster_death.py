"""A death the yearly roster records, earlier than days already paid: applying it ends cover as
recording it by hand does, so the decided claim appears in the list for review (issue 12 point
1, issue 11 point 3), and the import's page says so."""

from datetime import date

import pytest

from enrollment.models import PersonStatus, Policy, RosterImport
from enrollment.services import roster_import_preview
from tests.claims.conftest import decided_claim
from claims.selectors import claims_beyond_cover


@pytest.mark.django_db
def test_a_death_in_the_roster_lists_the_decided_claims_that_paid_days_after_it(
        insured, officer_a, insurer_user, commission_admin, client_for, tmp_path):
    claim = decided_claim(insured, officer_a, insurer_user)                  # 2025-03-01 to 2025-03-11
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别,状态,死亡日期\n"
                    f"{insured.name},{insured.id_number},{insured.street.name},死亡特扶,已死亡,2025-03-05\n",
                    encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    assert ri.death_count == 1 and not claims_beyond_cover().exists()

    client = client_for(commission_admin)
    page = client.post(f"/roster/imports/{ri.pk}/apply/", {"apply_death": "on"}, follow=True).content.decode()
    insured.refresh_from_db()
    assert (insured.status, insured.status_date) == (PersonStatus.DECEASED, date(2025, 3, 5))
    assert Policy.objects.get(person=insured).cover_end == date(2025, 3, 5)
    assert list(claims_beyond_cover()) == [claim]
    assert "其中有 1 件已核定的理赔含保障终止后的天数，已列入理赔复核（补充核定）。" in page
    assert RosterImport.objects.get(pk=ri.pk).ended == 1
    section = page[page.index('data-testid="claims-beyond-cover"'):]
    assert section.startswith('data-testid="claims-beyond-cover"><strong>1</strong> 件已核定或已支付的理赔')
