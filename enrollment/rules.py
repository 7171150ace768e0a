"""Rules about insured persons, as pure functions (no database, no clock)."""

from dataclasses import dataclass
from datetime import date

from tongzhou_care.core.rules import RuleViolation

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
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def make_id_number(area_code: str, birth_date: date, sequence: int) -> str:
    """A valid ID number; an odd sequence is a man, an even one a woman (demo and test data)."""
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def parse_id_number(raw: str, *, today: date) -> IdNumber:
    """The ID number's parts; raises RuleViolation for a wrong length or character, an
    impossible or future birth date, or a wrong check character. Lower-case x means X."""
    value = (raw or "").strip().upper()
    if not value:
        raise RuleViolation("id_missing", "身份证号为空")
    if len(value) != 18:
        raise RuleViolation("id_length", f"身份证号应为18位，实际为{len(value)}位")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise RuleViolation("id_characters", "身份证号前17位应为数字，末位应为数字或X")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise RuleViolation("id_birth_date", f"身份证号中的出生日期{value[6:14]}不存在") from None
    if birth < EARLIEST_BIRTH or birth > today:
        raise RuleViolation("id_birth_date", f"身份证号中的出生日期{birth:%Y-%m-%d}不合理")
    expected = id_check_character(value[:17])
    if value[17] != expected:
        raise RuleViolation("id_check", f"身份证号校验位错误（应为{expected}）")
    return IdNumber(value=value, area_code=value[:6], birth_date=birth,
                    sex="M" if int(value[16]) % 2 else "F")
