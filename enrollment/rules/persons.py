"""Rules about insured persons, as pure functions (no database, no clock)."""

import functools
import operator
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, timedelta

from tongzhou_care.core.rules import RuleViolation

from .cover import add_years

# GB 11643-1999: ISO 7064 MOD 11-2 weights of the first 17 digits and the check characters.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    value: str          # 18 characters, check character upper-case
    area_code: str      # where the person was first registered; any area is valid
    birth_date: date
    sex: str            # "M" or "F": parity of the sequence number


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def looks_like_id_tail(text: str) -> bool:
    """True for what a search box gets as the last 4 characters of an ID number (3 digits and a
    digit or X): the searches that may go in a URL (S12)."""
    return len(text) == 4 and text[:3].isdigit() and (text[3].isdigit() or text[3] in "xX")


def make_id_number(area_code: str, birth_date: date, sequence: int) -> str:
    """A valid ID number; an odd sequence is a man, an even one a woman (demo and test data)."""
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """The ID number's parts; raises RuleViolation for a wrong length or character, an
    impossible or future birth date, or a wrong check character. Lower-case x means X."""
    value = (raw or "").strip().upper()
    if not value.isascii():
        # Full-width digits (１１０１…) and Ｘ are the same number typed in a Chinese input mode.
        value = unicodedata.normalize("NFKC", value).strip().upper()
    if not value:
        raise RuleViolation("id_missing", "身份证号为空，请填写18位公民身份号码")
    if len(value) != 18:
        raise RuleViolation("id_length", f"身份证号应为18位，实际为{len(value)}位，"
                            "请对照身份证核对是否漏录或多录")
    # ASCII digits only: str.isdigit() alone also accepts ٣ and the like.
    if not (value.isascii() and value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
        raise RuleViolation("id_characters", "身份证号前17位应为数字，末位应为数字或X，"
                            "请删去其中的字母、空格或符号")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise RuleViolation("id_birth_date", f"身份证号中的出生日期{value[6:14]}不存在，"
                            "请对照身份证逐位核对整个号码") from None
    if birth < EARLIEST_BIRTH or birth > today:
        raise RuleViolation("id_birth_date", f"身份证号中的出生日期{birth:%Y-%m-%d}不合理，"
                            "请对照身份证逐位核对整个号码")
    if value[17] != id_check_character(value[:17]):
        # Never "should be X": a wrong digit anywhere gives a wrong check character, and
        # changing the last character to fit would make a wrong number look right.
        raise RuleViolation("id_check", "身份证号校验不通过：号码中至少有一位录入有误，"
                            "请对照身份证逐位核对整个号码，不要只改最后一位")
    return IdNumber(value=value, area_code=value[:6], birth_date=birth,
                    sex="M" if int(value[16]) % 2 else "F")


# --- Values as the roster delivers them -------------------------------------------------------

# Half-width and full-width spaces, tabs, non-breaking spaces: trimmed from every text value.
_SPACES = " \t\r\n\u3000\u00a0\ufeff"


def clean_text(value) -> str:
    """The value as text, trimmed of half- and full-width spaces; None → ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(_SPACES)


_DELETE_SPACES = str.maketrans("", "", _SPACES)


def clean_name(value) -> str:
    """Names lose inner spaces too ("张 三" → "张三"); a middle dot stays (少数民族姓名)."""
    return clean_text(value).translate(_DELETE_SPACES)


def id_number_from_cell(value) -> str:
    """The ID number as text; raises RuleViolation when Excel has turned it into a number,
    which loses the last digits (1.10112E+17) so the person cannot be identified."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise RuleViolation("id_numeric", "身份证号被Excel存成了数字，末几位已丢失；"
                            "请在原系统中将该列设为文本后重新导出")
    text = clean_text(value)
    if len(text) != 18:
        # Forced-text marks and spaces typed into the number: '110112… and 110112 1950… are
        # the number (the usual 18 characters skip this: it runs for every row).
        text = clean_name(text).lstrip("'‘’`")
    if "E+" in text.upper() and text.replace(".", "").upper().replace("E+", "").isdigit():
        raise RuleViolation("id_numeric", f"身份证号“{text}”是被Excel截断的科学计数法，"
                            "末几位已丢失；请将该列设为文本后重新导出")
    return text


_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_SEPARATORS = str.maketrans({"/": "-", ".": "-", "年": "-", "月": "-", "日": "", "号": ""})


def parse_date_value(value, *, field: str) -> date | None:
    """A date from a cell: a real date, an Excel serial number, or text such as 2020-01-05,
    2020/1/5, 2020.1.5, 20200105, 2020年1月5日; "" → None. A month alone (2020-01, 202001)
    means its first day. Raises RuleViolation for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)  # the usual 2020-01-05, quickly
        except ValueError:
            pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1900 <= value < 2101:
            # Not a serial (that would be a day in 1905) but a year typed as a number, or
            # 1950.01 / 2020.3 that Excel stored as a decimal: 2020.1 and 2020.10 are then
            # the same number, so the month cannot be told.
            raise RuleViolation("date_numeric", f"{field}“{clean_text(value)}”被Excel存成了数字，"
                                "无法确定年月日；请将该列设为文本或日期格式后重新导出")
        if 1 <= value < 80000:  # Excel serial day numbers, 1900-01-01 .. 2119
            return _EXCEL_EPOCH + timedelta(days=int(value))
        value = clean_text(value)
    text = clean_text(value).translate(_DATE_SEPARATORS).strip("-")
    try:
        if text.isdigit() and len(text) == 8:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if text.isdigit() and len(text) == 6:
            return date(int(text[:4]), int(text[4:]), 1)
        parts = text.split(" ")[0].split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        raise RuleViolation("date_invalid", f"{field}“{clean_text(value)}”不是有效日期：请按年-月-日填写"
                            "（如 2020-01-05），并核对月份（1–12）和该月的天数") from None
    raise RuleViolation("date_format", f"{field}“{clean_text(value)}”无法识别为日期，"
                        "请使用 2020-01-05 这样的格式")


def is_month_only(value) -> bool:
    """True for a text date that names a month but no day (1950-01, 195001, 1950年1月): such a
    出生年月 agrees with any day of that month."""
    if not isinstance(value, str):
        return False
    text = clean_text(value).translate(_DATE_SEPARATORS).strip("-")
    return (text.isdigit() and len(text) == 6) or (
        len(parts := text.split("-")) == 2 and all(p.isdigit() for p in parts))


_SEX_TEXTS = {"男": "M", "M": "M", "1": "M", "男性": "M", "女": "F", "F": "F", "2": "F", "女性": "F"}


def parse_sex(value) -> str | None:
    """男/女 (or M/F, 1/2 as the national standard codes them) → "M"/"F"; "" → None."""
    text = clean_text(value).upper()
    if not text:
        return None
    if text in _SEX_TEXTS:
        return _SEX_TEXTS[text]
    raise RuleViolation("sex_invalid", f"性别“{clean_text(value)}”应为“男”或“女”，请改为其中之一")


# Category texts seen in 奖扶特扶 exports, most specific first.
_CATEGORY_WORDS = (
    ("伤残", "disability"),
    ("死亡", "death"),
    ("奖励扶助", "reward"),
    ("奖扶", "reward"),
)


def category_from_text(value) -> str:
    """独生子女死亡特别扶助 / 特扶（死亡）/ 死亡特扶 → "death"; 伤残 → "disability";
    奖励扶助 / 奖扶 → "reward". Raises RuleViolation for anything else."""
    return _category_of(clean_text(value))


@functools.lru_cache(maxsize=256)  # a roster spells its categories a handful of ways
def _category_of(text: str) -> str:
    for word, category in _CATEGORY_WORDS:
        if word in text:
            return category
    if not text:
        raise RuleViolation("category_missing", "扶助类别为空，请填写独生子女死亡特别扶助、"
                            "独生子女伤残特别扶助或奖励扶助")
    raise RuleViolation("category_unknown", f"扶助类别“{text}”无法识别，应为独生子女死亡特别扶助、"
                        "独生子女伤残特别扶助或奖励扶助（可简写为死亡特扶、伤残特扶、奖扶）")


# Prefixes a roster may put before the street's own name.
_STREET_PREFIXES = ("北京市", "通州区", "北京市通州区")
_STREET_SUFFIXES = ("街道办事处", "街道", "地区办事处", "地区", "回族乡", "镇", "乡")


@functools.lru_cache(maxsize=4096)
def street_key(text: str) -> str:
    """The bare name a street is matched by: 中仓街道 / 中仓 → 中仓; 永顺地区 → 永顺;
    于家务回族乡 / 于家务乡 → 于家务."""
    key = clean_name(text)
    for prefix in sorted(_STREET_PREFIXES, key=len, reverse=True):
        key = key.removeprefix(prefix)
    for suffix in _STREET_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@dataclass(frozen=True)
class StreetIndex:
    """How roster texts find streets: by code and by bare name (street_key)."""

    codes: frozenset[str]
    by_key: dict[str, str]
    names: tuple[str, ...] = ()     # the proper names, in code order (for messages)


def street_index(streets: dict[str, str]) -> StreetIndex:
    """The index of {code: name} of the 22 streets, built once per import."""
    return StreetIndex(codes=frozenset(streets),
                       by_key={street_key(name): code for code, name in streets.items()},
                       names=tuple(streets[code] for code in sorted(streets)))


def match_street(value, index: StreetIndex) -> str:
    """The code of the street named by the roster text. Accepts the name with or without its
    suffix, the 地区 variants, and the code itself (110112001000 or 110112001). Raises
    RuleViolation when nothing matches."""
    text = clean_name(value)
    if not text:
        raise RuleViolation("street_missing", "街道/乡镇为空，请填写所属街道或乡镇")
    if text.isdigit():
        code = text.ljust(12, "0")
        if code in index.codes:
            return code
    code = index.by_key.get(street_key(text))
    if code is None:
        raise RuleViolation("street_unknown", f"街道/乡镇“{text}”不是通州区的街道或乡镇。可填写："
                            f"{'、'.join(index.names)}（“街道”“镇”“乡”可省略）")
    return code


# --- One roster row -----------------------------------------------------------------------

ROSTER_FIELDS = ("name", "id_number", "sex", "birth_date", "street", "community", "address",
                 "phone", "bank_name", "bank_account", "category", "assistance_start",
                 "spouse_id_number", "status", "death_date", "event_date", "event_reason")
# A 状态 column (this system's own export has one, and so do the 奖扶特扶 system's change lists)
# naming a death or an end. A death proposes recording it; an end (moved out, disqualified …)
# proposes a removal; any other text (在册, 正常享受 …) is an ordinary row: an unexpected word
# must not end anyone's cover.
DEATH_STATUS_WORDS = ("死亡", "去世", "身故", "病故", "亡故")
REMOVAL_STATUS_WORDS = ("减员", "注销", "停发", "取消", "迁出", "退出", "终止", "不再享受")
# The usual words for someone on the roster; any other word is read as on the roster too, and
# the preview says so.
ACTIVE_STATUS_WORDS = frozenset({"在册", "正常", "正常享受", "享受中", "有效", "在保"})

NAME_MAX_LENGTH = 50                # Person.name
BANK_ACCOUNT_LENGTH = (6, 32)       # digits of a bank card or passbook account

CATEGORY_LABELS = {"death": "独生子女死亡特别扶助", "disability": "独生子女伤残特别扶助",
                   "reward": "奖励扶助"}


def status_event(value) -> str:
    """"death", "removal" or "" for the text of a 状态 cell (已死亡 → death; 迁出, 取消资格,
    已减员 … → removal; 在册, 正常 or empty → "")."""
    text = clean_name(value)
    if not text:
        return ""
    if any(word in text for word in DEATH_STATUS_WORDS):
        return "death"
    if any(word in text for word in REMOVAL_STATUS_WORDS):
        return "removal"
    return ""


def bank_account_from_cell(value) -> str:
    """The account number as text (spaces and dashes typed for reading removed); raises
    RuleViolation when Excel has turned it into a number that lost digits, or when it holds
    anything but digits."""
    if value is None or value == "" or isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (not value.is_integer() or value >= 1e15):
            raise RuleViolation("account_numeric", "银行账号被Excel存成了数字，末几位可能已丢失；"
                                "请将该列设为文本后重新导出")
        value = str(int(value))
    text = clean_name(value).replace("-", "").lstrip("'‘’`")
    low, high = BANK_ACCOUNT_LENGTH
    if not (text.isascii() and text.isdigit()):
        raise RuleViolation("account_characters", f"银行账号“{clean_text(value)}”应只含数字，"
                            "请对照银行卡或存折核对")
    if not low <= len(text) <= high:
        raise RuleViolation("account_length", f"银行账号应为{low}至{high}位数字，实际为{len(text)}位，"
                            "请对照银行卡或存折核对")
    return text


class RosterRecord(NamedTuple):
    """A valid roster row, normalised. (NamedTuples here, not dataclasses: a province roster
    makes 100,000 of each, and a frozen dataclass costs several times more to build.)"""

    id_number: str
    name: str
    sex: str
    birth_date: date
    street_code: str
    community: str
    address: str
    phone: str
    category: str
    assistance_start: date | None
    spouse_id_number: str
    bank_name: str = ""
    bank_account: str = ""


class RowError(NamedTuple):
    """One problem of a row: the field (ROSTER_FIELDS) whose column it is about, and what to do."""

    field: str
    message: str


class RowCheck(NamedTuple):
    record: RosterRecord | None      # None when the row has errors
    errors: tuple[RowError, ...] = ()
    skip_reason: str = ""            # a valid row of a category the scheme year does not insure
    event: str = ""                  # "death" | "removal": the row records an end
    event_date: date | None = None   # as the file gives it (None: the clerk enters it)
    event_reason: str = ""


def check_roster_row(raw: dict, *, streets: StreetIndex, eligible: frozenset[str],
                     default_category: str | None, today: date) -> RowCheck:
    """Validate one row (values keyed by ROSTER_FIELDS) and report every problem at once, each
    with the field it is about: missing fields, a bad ID number, sex or birth date contradicting
    it, an unknown street or category, a bank account Excel damaged. A row whose status says
    the person died or left records that end (with its date where the file has one). A valid
    row of a category the scheme year does not insure carries the reason."""
    errors: list[RowError] = []

    def attempt(column, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RuleViolation as violation:
            errors.append(RowError(column, violation.message))
            return None

    name = clean_name(raw.get("name"))
    if not name:
        errors.append(RowError("name", "姓名为空，请填写姓名"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(RowError("name", f"姓名超过{NAME_MAX_LENGTH}个字，请核对是否把其他内容填进了姓名列"))
    id_text = attempt("id_number", id_number_from_cell, raw.get("id_number"))
    parsed = attempt("id_number", parse_id_number, id_text, today=today) if id_text is not None else None
    sex = attempt("sex", parse_sex, raw.get("sex"))
    birth = attempt("birth_date", parse_date_value, raw.get("birth_date"), field="出生日期")
    if parsed is not None:
        if sex is not None and sex != parsed.sex:
            errors.append(RowError("sex", f"性别“{'男' if sex == 'M' else '女'}”与身份证号"
                                   f"（{'男' if parsed.sex == 'M' else '女'}）不符，请核对性别或身份证号"))
        if birth is not None and birth != parsed.birth_date:
            # Checked only on a mismatch (rare, and this runs for every row of a roster).
            month_only = is_month_only(raw.get("birth_date"))
            if not (month_only and birth.replace(day=1) == parsed.birth_date.replace(day=1)):
                given = f"{birth:%Y-%m}" if month_only else f"{birth:%Y-%m-%d}"
                errors.append(RowError("birth_date", f"出生日期{given}与身份证号中的"
                                       f"{parsed.birth_date:%Y-%m-%d}不符，请核对出生日期或身份证号"))
    street_code = attempt("street", match_street, raw.get("street"), streets)
    if clean_text(raw.get("category")) or default_category is None:
        category = attempt("category", category_from_text, raw.get("category"))
    else:
        category = default_category
    start = attempt("assistance_start", parse_date_value, raw.get("assistance_start"), field="开始享受扶助日期")
    # A next year's roster may name a benefit start in the coming months; more than a year
    # ahead is a typing error.
    if start is not None and start > today and start > add_years(today, 1):
        errors.append(RowError("assistance_start", f"开始享受扶助日期{start:%Y-%m-%d}晚于一年之后，请核对"))
    phone = clean_name(raw.get("phone"))
    if len(phone) > 30:
        errors.append(RowError("phone", "联系电话超过30个字符，请只填写一个号码"))
    # The columns most rosters lack are only looked at when the row fills them (this runs for
    # every row of a province roster).
    bank_name = clean_text(raw.get("bank_name"))[:100] if raw.get("bank_name") else ""
    bank_account = (attempt("bank_account", bank_account_from_cell, raw.get("bank_account"))
                    if raw.get("bank_account") not in (None, "") else "")
    spouse = clean_text(raw.get("spouse_id_number")).upper()
    if spouse:
        try:
            spouse = parse_id_number(spouse, today=today).value
        except RuleViolation as violation:
            errors.append(RowError("spouse_id_number", f"配偶{violation.message}"))
        if parsed is not None and spouse == parsed.value:
            errors.append(RowError("spouse_id_number", "配偶身份证号与本人相同，请填写配偶本人的号码"))

    status = clean_name(raw.get("status")) if raw.get("status") else ""
    event = status_event(status) if status and status not in ACTIVE_STATUS_WORDS else ""
    death_date = (attempt("death_date", parse_date_value, raw.get("death_date"), field="死亡日期")
                  if raw.get("death_date") not in (None, "") else None)
    event_date = (attempt("event_date", parse_date_value, raw.get("event_date"), field="变更日期")
                  if raw.get("event_date") not in (None, "") else None)
    if death_date is not None:
        if status and not event:
            errors.append(RowError("death_date", f"状态为“{status}”，但死亡日期填有{death_date:%Y-%m-%d}，"
                                   "请核对状态或死亡日期"))
        else:
            event = "death"           # a death date says it, whatever end the status names
    when = (death_date or event_date) if event == "death" else event_date if event else None
    if when is not None and when > today:
        errors.append(RowError("death_date" if death_date is not None else "event_date",
                               f"{'死亡' if event == 'death' else '减员'}日期{when:%Y-%m-%d}晚于今天，请核对"))

    if errors:
        return RowCheck(record=None, errors=tuple(errors))
    record = RosterRecord(
        id_number=parsed.value, name=name, sex=parsed.sex, birth_date=parsed.birth_date,
        street_code=street_code, community=clean_text(raw.get("community"))[:100],
        address=clean_text(raw.get("address"))[:200], phone=phone, category=category,
        assistance_start=start, spouse_id_number=spouse, bank_name=bank_name,
        bank_account=bank_account or "",
    )
    if event:
        reason = clean_text(raw.get("event_reason"))[:200] or (f"名册状态为“{status}”" if status else "")
        return RowCheck(record=record, event=event, event_date=when, event_reason=reason)
    if category not in eligible:
        # A person on record whose category is no longer insured is removed with this reason,
        # on the file's change date where it gives one.
        return RowCheck(record=record, skip_reason=f"扶助类别为{CATEGORY_LABELS[category]}，"
                        "不在本保险年度的参保范围内", event_date=event_date)
    return RowCheck(record=record)


class Duplicate(NamedTuple):
    """A row whose ID number the file lists more than once."""

    copy_of: int | None              # an earlier identical row: the person is imported once
    others: tuple[int, ...]          # the other rows with this ID number
    message: str


def duplicate_rows(rows, content, labels) -> dict[int, Duplicate]:
    """Rows (key, ID number) of a file whose ID number appears more than once. Rows that are
    identical (`content(key)` equal) import the person once: every copy after the first is
    marked `copy_of` the first, with a warning naming it. When the contents differ, the file
    cannot say which is right: every row of that number is an error naming the others, to be
    shown side by side. `labels` names each key as the user finds it (第7行)."""
    first: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for key, id_number in rows:
        earlier = first.setdefault(id_number, key)
        if earlier != key:
            repeated.setdefault(id_number, [earlier]).append(key)
    marks: dict[int, Duplicate] = {}
    for keys in repeated.values():
        contents = [content(k) for k in keys]
        if all(c == contents[0] for c in contents):
            for key in keys[1:]:
                marks[key] = Duplicate(copy_of=keys[0], others=tuple(k for k in keys if k != key),
                                       message=f"与{labels[keys[0]]}内容完全相同，只导入一次")
        else:
            for key in keys:
                others = tuple(k for k in keys if k != key)
                marks[key] = Duplicate(copy_of=None, others=others, message=(
                    f"身份证号与{'、'.join(labels[k] for k in others)}相同，但内容不同（各行对照见下），"
                    "无法判断哪一行正确：请核对后只保留正确的一行"))
    return marks


# --- What a roster row changes ---------------------------------------------------------------

# Fields the roster is the source of: its value replaces ours.
ROSTER_OWNED = ("name", "sex", "birth_date", "street_code", "community", "category",
                "assistance_start")
# How to reach and pay the person: officers correct these here too, so a value of the file
# that differs from ours is proposed field by field and the clerk takes or leaves it. An empty
# cell is no news: it never clears what we know.
CONTACT_FIELDS = ("address", "phone", "bank_name", "bank_account")


_OWNED = operator.attrgetter(*ROSTER_OWNED)
_CONTACT = operator.attrgetter(*CONTACT_FIELDS)


class PersonSnapshot(NamedTuple):
    """What a roster row is compared with: the person's current values."""

    name: str
    sex: str
    birth_date: date
    street_code: str
    community: str
    category: str
    assistance_start: date | None
    address: str
    phone: str
    status: str
    spouse_id_number: str = ""      # of the linked spouse, if any
    bank_name: str = ""
    bank_account: str = ""
    status_date: date | None = None


def roster_changes(current: PersonSnapshot, record: RosterRecord, *, spouse_linkable: bool = False
                   ) -> dict[str, tuple]:
    """Field → (old, new) for what importing the record would change. A person marked removed
    who is back on the roster becomes active again; a deceased person is never revived. The
    spouse the row names is a change only when applying would link the couple
    (`spouse_linkable`: both on record or arriving, neither linked elsewhere, the file
    unambiguous), so a spouse who cannot be linked is not proposed on every import."""
    changes = {}
    if _OWNED(current) != _OWNED(record):          # the usual case, a person unchanged, in one comparison
        for field in ROSTER_OWNED:
            old, new = getattr(current, field), getattr(record, field)
            if old != new:
                changes[field] = (old, new)
    if _CONTACT(current) != _CONTACT(record):
        for field in CONTACT_FIELDS:
            old, new = getattr(current, field), getattr(record, field)
            if new and old != new:
                changes[field] = (old, new)
    if current.status == "removed":
        changes["status"] = ("removed", "active")
    if spouse_linkable and record.spouse_id_number and record.spouse_id_number != current.spouse_id_number:
        changes["spouse_id_number"] = (current.spouse_id_number, record.spouse_id_number)
    return changes


def event_changes(current: PersonSnapshot, *, event: str, event_date: date | None) -> dict[str, tuple] | None:
    """Field → (old, new) for recording a death or removal the roster names (`event_date` None:
    the clerk enters it), or None when there is nothing to record: already recorded with that
    date (or the file gives none), or a removal of a person recorded as deceased."""
    status = "deceased" if event == "death" else "removed"
    if current.status == "deceased" and status == "removed":
        return None
    if current.status == status:
        if event_date is None or event_date == current.status_date:
            return None
        return {"status_date": (current.status_date, event_date)}          # a corrected date
    return {"status": (current.status, status), "status_date": (current.status_date, event_date)}


def spouse_links(named: list[tuple[int, int]]) -> dict[int, int]:
    """person → spouse for the couples a roster names, both ways. A person named with two
    different spouses (or named as the spouse of two people) is left unlinked: the file
    contradicts itself and a wrong link is worse than none."""
    partners: dict[int, set[int]] = {}
    for a, b in named:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    return {person: next(iter(others)) for person, others in partners.items()
            if len(others) == 1 and len(partners[next(iter(others))]) == 1}
