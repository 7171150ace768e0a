"""Generated 奖扶特扶-style roster exports with the quirks real ones have: title and
"填报单位" lines above the header, varied street spellings, spaces in names, lower-case x,
dates as text in several formats and as Excel dates, rows of other categories, a total line
and a signature line at the end. Demo data loads through the real importer from such a file;
tests and benchmarks use it too. Deterministic for a given seed.
"""

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .demo import DemoPerson, demo_persons

HEADER = ["序号", "姓名", "性别", "公民身份号码", "出生日期", "所属乡镇（街道）", "村（居）委会",
          "家庭住址", "联系电话", "扶助类别", "开始享受扶助时间", "配偶身份证号"]

# How the roster spells each street, beside its proper name.
STREET_VARIANTS = {
    "中仓街道": ["中仓"], "永顺镇": ["永顺地区", "永顺"], "梨园镇": ["梨园地区"],
    "于家务回族乡": ["于家务乡", "于家务"], "宋庄镇": ["宋庄"], "九棵树街道": ["九棵树"],
}
CATEGORY_TEXTS = {"death": ["独生子女死亡特别扶助", "特别扶助（死亡）", "死亡特扶"],
                  "disability": ["独生子女伤残特别扶助"], "reward": ["奖励扶助"]}


@dataclass
class SampleRoster:
    year: int
    rows: list[list]            # every row of the sheet, title to signature
    header_row: int             # 1-based
    people: list[tuple[DemoPerson, str, str]]  # (person, street name, category)
    bad_rows: dict[int, str]    # row number → what is wrong with it (when errors injected)
    copied_rows: dict[int, int] | None = None   # row number → the earlier row it repeats exactly


def _start_text(rng: random.Random, start: date):
    style = rng.randrange(5)
    if style == 0:
        return datetime(start.year, start.month, start.day)     # a real Excel date cell
    if style == 1:
        return f"{start.year}/{start.month}/{start.day}"
    if style == 2:
        return f"{start.year}年{start.month}月"
    if style == 3:
        return f"{start:%Y%m%d}"
    return f"{start:%Y-%m-%d}"


def build_sample_roster(year: int, streets: list[str], *, seed: int = 2026,
                        per_street: tuple[int, int] = (8, 30), other_categories: float = 0.04,
                        inject_errors: bool = False) -> SampleRoster:
    """A roster for `year` with persons spread over the given street names."""
    rng = random.Random(seed)
    used: set[str] = set()
    people: list[tuple[DemoPerson, str, str]] = []
    spouse_of: dict[str, str] = {}
    for street in streets:
        generated = demo_persons(rng.randint(*per_street), seed=rng.randrange(10**9), used_ids=used)
        for person in generated:
            if person.spouse_index is not None:
                spouse_of[person.id_number] = generated[person.spouse_index].id_number
            category = "death"
            if rng.random() < other_categories:
                category = rng.choice(["disability", "reward"])
            people.append((person, street, category))

    rows: list[list] = [
        [f"通州区{year}年度独生子女死亡特别扶助对象花名册"],
        [f"填报单位：通州区卫生健康委员会　　　　填报日期：{year}年1月5日"],
        HEADER,
    ]
    header_row = 3
    for index, (p, street, category) in enumerate(people, start=1):
        name = p.name
        if rng.random() < 0.03:
            name = " " + name[0] + " " + name[1:] + "\u3000"      # spaces in and around names
        id_number = p.id_number.lower() if rng.random() < 0.5 else p.id_number
        street_text = rng.choice([street] + STREET_VARIANTS.get(street, []))
        spouse = spouse_of.get(p.id_number, "") if rng.random() < 0.5 else ""
        start = date(rng.randint(2008, year - 1), rng.randint(1, 12), 1)
        rows.append([
            index, name, "男" if p.sex == "M" else "女", id_number,
            p.birth_date.strftime("%Y-%m-%d") if rng.random() < 0.7 else p.birth_date.strftime("%Y%m%d"),
            street_text, p.community, p.address, p.phone,
            rng.choice(CATEGORY_TEXTS[category]), _start_text(rng, start), spouse,
        ])
    bad_rows: dict[int, str] = {}
    copied_rows: dict[int, int] = {}
    if inject_errors:
        bad_rows, copied_rows = _inject_errors(rows, header_row, rng)
    rows.append([f"合计：{len(rows) - header_row}人"])
    rows.append(["填表人：王某某", "", "", "审核人：李某某"])
    return SampleRoster(year=year, rows=rows, header_row=header_row, people=people,
                        bad_rows=bad_rows, copied_rows=copied_rows)


def _wrong_check_character(row, rows):
    row[3] = row[3][:-1] + ("0" if row[3][-1] != "0" else "1")


def _rounded_by_excel(row, rows):
    row[3] = float(row[3].upper().replace("X", "0"))       # 1.10112E+17: the last digits are gone


def _street_elsewhere(row, rows):
    row[5] = "朝阳区"


def _sex_contradicts_id(row, rows):
    row[2] = "女" if row[2] == "男" else "男"


def _no_name(row, rows):
    row[1] = ""


ERRORS = {"校验位": _wrong_check_character, "科学计数法": _rounded_by_excel,
          "街道": _street_elsewhere, "性别": _sex_contradicts_id, "姓名为空": _no_name}


def _inject_errors(rows: list[list], header_row: int, rng: random.Random) -> tuple[dict[int, str], dict[int, int]]:
    """Spoil a handful of rows, one kind each; put one person on a second row with another
    phone number (both rows errors: which is right?) and another on a second row exactly as on
    the first (imported once). Return row number (1-based, as Excel shows it) → what is wrong,
    and the exact copy's row number → the row it repeats."""
    picks = rng.sample(range(header_row, len(rows)), len(ERRORS) + 4)
    bad: dict[int, str] = {}
    for (label, spoil), index in zip(ERRORS.items(), picks):
        spoil(rows[index], rows)
        bad[index + 1] = label
    original, copy, repeated, repeat = picks[-4:]
    rows[copy] = [rows[copy][0]] + rows[original][1:]       # the same person twice …
    rows[copy][8] = "13000000000" if rows[original][8] != "13000000000" else "13000000001"   # … told two ways
    bad[original + 1] = bad[copy + 1] = "重复"
    rows[repeat] = [rows[repeat][0]] + rows[repeated][1:]   # the same row twice
    return bad, {repeat + 1: repeated + 1}


def write_xlsx(path: Path, roster: SampleRoster) -> Path:
    """As the export system writes it: ID numbers as text, some dates as date cells."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("花名册")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(roster.rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, roster: SampleRoster, encoding: str = "utf-8-sig") -> Path:
    """CSV as Chinese Excel saves it: GBK (gb18030) or UTF-8 with BOM."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        for row in roster.rows:
            writer.writerow([v.strftime("%Y-%m-%d") if isinstance(v, datetime)
                             else ("%.5E" % v if isinstance(v, float) else v) for v in row])
    return path
