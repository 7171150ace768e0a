"""Times and change histories as people read them (issue 12 point 9): one formatter
(core.display) for every history view, Beijing time everywhere a time is shown or printed."""

import io
import re
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal

import openpyxl
import pytest

from enrollment.models import Person, Policy, SchemeYear
from tongzhou_care.core.display import display_value
from tongzhou_care.core.models import AccessLog

PERSON = {f.name: f for f in Person._meta.fields}
YEAR = {f.name: f for f in SchemeYear._meta.fields}
POLICY = {f.name: f for f in Policy._meta.fields}


@pytest.mark.parametrize("field, value, shown", [
    # As the audit trail (PostgreSQL's to_jsonb) hands them back.
    (YEAR["daily_subsidy"], 300.0, "300.00"),
    (YEAR["premium_per_person"], 3000.5, "3,000.50"),
    (YEAR["policies_issued_at"], "2026-11-28T17:30:05.123456+00:00", "2026-11-29 01:30"),   # Beijing time
    (PERSON["status_date"], "2026-03-01", "2026-03-01"),
    (PERSON["status"], "deceased", "已死亡"),
    (PERSON["category"], "death", "独生子女死亡特别扶助"),
    (YEAR["eligible_categories"], ["death", "disability"], "独生子女死亡特别扶助、独生子女伤残特别扶助"),
    (YEAR["day_counting"], "exclusive", "算入不算出（出院减入院，当日出院计1天）"),
    (POLICY["cover_gaps"], ["[2026-05-02,2026-06-11)"], "2026-05-02 至 2026-06-10"),
    (PERSON["phone"], "13912345678", "139****5678"),                # masked (S10)
    (PERSON["id_number"], "11010519491231002X", "110105********002X"),
    (PERSON["community"], "", "—"),
    (PERSON["version"], 3, "3"),
    (None, True, "是"),
    (None, 2.0, "2"),
    (None, {"daily_subsidy": ["300.00", "320.00"]}, "daily_subsidy：300.00、320.00"),
])
def test_values_as_people_read_them(field, value, shown):
    assert display_value(field, value) == shown


def test_a_boolean_field_says_yes_or_no():
    from enrollment.models import RosterRowChoice

    leave = RosterRowChoice._meta.get_field("leave")
    assert (display_value(leave, True), display_value(leave, False)) == ("是", "否")


@pytest.mark.django_db
def test_the_change_history_shows_labels_dates_and_money_never_raw_values(client_for, commission_admin, person_a):
    from enrollment.services import person_update, scheme_year_save
    from tests.factories import SchemeYearFactory

    person_update(person_id=person_a.pk, version=person_a.version, actor=commission_admin,
                  changes={"status": "deceased", "status_date": date(2026, 3, 1)})
    year = SchemeYearFactory()
    year.daily_subsidy, year.eligible_categories = Decimal("320.00"), ["death", "disability"]
    scheme_year_save(scheme_year=year, actor=commission_admin)
    client = client_for(commission_admin)
    for page in (client.get(f"/persons/{person_a.pk}/").content.decode(),
                 client.get(f"/scheme-years/{year.pk}/").content.decode()):
        history = page[page.index('data-testid="history"'):]
        history = history[:history.index("</table>")]
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:|\.\d{6}", history)        # no ISO timestamps
        assert "[" not in history and ".0<" not in history and "300.0 " not in history
        assert "True" not in history and "False" not in history
    person_page = client.get(f"/persons/{person_a.pk}/").content.decode()
    assert "<strong>状态</strong>：在册 → 已死亡" in person_page
    assert "<strong>死亡/减员日期</strong>：— → 2026-03-01" in person_page
    year_page = client.get(f"/scheme-years/{year.pk}/").content.decode()
    assert "<strong>住院护理补贴（元/天）</strong>：300.00 → 320.00" in year_page
    assert "独生子女死亡特别扶助 → 独生子女死亡特别扶助、独生子女伤残特别扶助" in year_page


@pytest.mark.django_db
def test_the_error_report_title_gives_the_upload_time_in_beijing_time(client_for, commission_admin, tmp_path):
    from enrollment.models import RosterImport
    from enrollment.services import roster_import_preview

    path = tmp_path / "花名册.csv"
    path.write_text("姓名,公民身份号码,所属乡镇（街道）,扶助类别\n王秀英,110105194912310021,中仓,死亡特扶\n",
                    encoding="utf-8")
    ri = roster_import_preview(path=path, file_name=path.name, roster_year=2026, actor=commission_admin)
    # 17:30 on 28 November in UTC is already 01:30 on 29 November in Beijing.
    RosterImport.objects.filter(pk=ri.pk).update(created_at=datetime(2026, 11, 28, 17, 30, tzinfo=dt_timezone.utc))
    response = client_for(commission_admin).get(f"/roster/imports/{ri.pk}/errors.xlsx")
    title = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active["A1"].value
    assert title == "花名册.csv 未导入的行（2026-11-29 01:30上传）"
    page = client_for(commission_admin).get(f"/roster/imports/{ri.pk}/").content.decode()
    assert "于 2026-11-29 01:30 上传" in page


@pytest.mark.django_db
def test_an_access_log_line_reads_in_beijing_time(commission_admin):
    entry = AccessLog(user=commission_admin, action=AccessLog.Action.EXPORT, target="测试",
                      at=datetime(2026, 11, 28, 17, 30, tzinfo=dt_timezone.utc))
    assert str(entry).startswith("2026-11-29 01:30 ")
