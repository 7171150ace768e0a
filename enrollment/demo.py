"""Plausible demonstration persons: Chinese names, valid ID numbers, couples in the same
community. Deterministic for a given seed, so demo data and tests are repeatable."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .rules import make_id_number

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾")
MALE_GIVEN = ("建国 建华 国强 志刚 振华 德明 文明 国庆 永强 长顺 福生 宝山 金海 树林 春生 秋生 "
              "海军 立新 卫东 红旗 学军 连生 玉成 茂林 凤山 广田 德胜 保国 爱民 兴旺").split()
FEMALE_GIVEN = ("秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 淑兰 秀珍 玉珍 桂芳 丽华 秀云 玉梅 淑英 "
                "凤兰 素珍 秀芳 桂珍 玉英 翠兰 春兰 金凤 淑华 月英 美兰 素芬 爱华 红梅 玉芝").split()
COMMUNITY_SUFFIX = ("社区", "村")
COMMUNITY_WORDS = ("新华 东关 西关 南关 北关 运河 滨河 通惠 潞苑 果园 梨园 土桥 后南仓 "
                   "东营 西营 大营 小营 前街 后街 太平 富河 新建 张庄 李庄 马庄 于庄").split()
# Area codes where people were first registered: mostly Tongzhou, some elsewhere (never an error).
AREA_CODES = ("110112",) * 8 + ("110105", "130682", "120221", "110229")
ROADS = ("新华大街", "玉带河大街", "通朝大街", "运河西大街", "京塘路", "九棵树路", "梨园北街", "宋庄路")


@dataclass
class DemoPerson:
    name: str
    sex: str
    id_number: str
    birth_date: date
    community: str
    address: str
    phone: str
    spouse_index: int | None  # index of the spouse in the generated list


def _birth(rng: random.Random) -> date:
    start = date(1942, 1, 1)
    return start + timedelta(days=rng.randrange(0, (date(1966, 12, 31) - start).days))


def demo_persons(count: int, *, seed: int, used_ids: set[str] | None = None) -> list[DemoPerson]:
    """About two thirds of the persons come as couples (each parent insured in their own
    right), the rest alone (widowed or divorced). ID numbers are unique within `used_ids`,
    which the caller may share between calls."""
    rng = random.Random(seed)
    persons: list[DemoPerson] = []
    seq = rng.randrange(499)
    used_ids = set() if used_ids is None else used_ids

    def new_id(birth: date, male: bool) -> str:
        nonlocal seq
        while True:
            sequence = (seq % 499) * 2 + (1 if male else 2)
            seq += 1
            value = make_id_number(rng.choice(AREA_CODES), birth, sequence)
            if value not in used_ids:
                used_ids.add(value)
                return value

    while len(persons) < count:
        community = rng.choice(COMMUNITY_WORDS) + rng.choice(COMMUNITY_SUFFIX)
        address = f"{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 20)}号楼{rng.randint(1, 6)}单元"
        couple = rng.random() < 0.66 and len(persons) + 2 <= count
        husband_birth = _birth(rng)
        members = [(True, husband_birth)]
        if couple:
            wife_birth = husband_birth + timedelta(days=rng.randint(-1500, 1500))
            members.append((False, wife_birth))
        elif rng.random() < 0.5:
            members = [(False, husband_birth)]
        start_index = len(persons)
        for offset, (male, birth) in enumerate(members):
            given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
            persons.append(DemoPerson(
                name=rng.choice(SURNAMES) + given,
                sex="M" if male else "F",
                id_number=new_id(birth, male),
                birth_date=birth,
                community=community,
                address=address,
                phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                spouse_index=(start_index + 1 - offset) if couple else None,
            ))
    return persons


# --- Demonstration data (the demo_data command: EnrollmentConfig.demo_data_steps) ------------

PERSONS_PER_STREET = (8, 30)  # min, max: a few hundred in all, unevenly spread


def load_persons(demo) -> None:
    """A few hundred persons through the real importer, from a generated 奖扶特扶-style roster."""
    from tongzhou_care.core.models import Street

    from .sample_roster import build_sample_roster

    roster = build_sample_roster(demo.today.year, list(Street.objects.order_by("code").values_list("name", flat=True)),
                                 seed=demo.seed, per_street=PERSONS_PER_STREET)
    ri = _import(roster, demo.users["admin"], f"通州区{demo.today.year}年度特扶花名册.xlsx")
    demo.say(f"花名册导入：新增 {ri.new_count} 人，跳过其他类别 {ri.skipped_count} 人。")


def _import(roster, actor, file_name):
    import tempfile
    from pathlib import Path

    from .sample_roster import write_xlsx
    from .services import roster_import_apply, roster_import_preview

    with tempfile.TemporaryDirectory() as folder:
        path = write_xlsx(Path(folder) / file_name, roster)
        ri = roster_import_preview(path=path, file_name=file_name, roster_year=roster.year, actor=actor)
    return roster_import_apply(roster_import_id=ri.pk, actor=actor, kinds={"new"}, skip_errors=False)


def load_scheme_years(demo) -> None:
    """Last year's and this year's scheme years, their policies from the start, and a few
    mid-year changes: two deaths, one removal, two persons added after the start."""
    from decimal import Decimal

    from .models import Person, PersonStatus, SchemeYear
    from .rules import SUBSIDY_FLOOR, default_coverage_end
    from .sample_roster import build_sample_roster
    from .services import person_update, policies_issue, scheme_year_save

    today, actor, insurer = demo.today, demo.users["admin"], demo.users["insurer"].insurer
    # (year, contract number suffix, tender day, premium): last year's contract and this year's.
    for year_number, contract, tendered, premium in ((today.year - 1, "009", date(today.year - 2, 11, 20), "260.00"),
                                                      (today.year, "017", date(today.year - 1, 11, 28), "268.00")):
        start = date(year_number, 1, 1)
        year = scheme_year_save(actor=actor, scheme_year=SchemeYear(
            name=f"{year_number}年度", insurer=insurer, contract_number=f"TZWJW-{year_number}-ZFCG-{contract}",
            tender_date=tendered, coverage_start=start, coverage_end=default_coverage_end(start),
            premium_per_person=Decimal(premium), daily_subsidy=SUBSIDY_FLOOR))
        policies_issue(scheme_year_id=year.pk, actor=actor, today=start)
    people = list(Person.objects.filter(status=PersonStatus.ACTIVE).order_by("pk")[:3])
    day = min(today, start + timedelta(days=120))
    statuses = [PersonStatus.DECEASED, PersonStatus.DECEASED, PersonStatus.REMOVED]
    for weeks_earlier, (person, status) in enumerate(zip(people, statuses)):
        changes = {"status": status, "status_date": day - timedelta(days=7 * weeks_earlier)}
        if status == PersonStatus.REMOVED:
            changes["removal_reason"] = "户籍迁出本市"
        person_update(person_id=person.pk, version=person.version, changes=changes, actor=actor, today=day)
    # A supplementary roster (补充名单) of newly eligible persons, through the importer; its
    # apply adds their policies from the day after the insurer is told.
    supplement = build_sample_roster(today.year, ["中仓街道", "宋庄镇"], seed=8, per_street=(1, 1), other_categories=0)
    _import(supplement, actor, f"通州区{today.year}年度特扶补充名单.xlsx")
    demo.say(f"保险年度：{year.name}，保单 {year.policies.count()} 份，增减员 {year.changes.count()} 项。")
