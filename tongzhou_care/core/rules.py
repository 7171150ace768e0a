"""What every app's rules share."""

import re


class RuleViolation(Exception):
    """A rule of the programme refused a value; `message` is Chinese and shown to users."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Full-width digits and marks, as Chinese input methods type them, read as their ASCII forms.
_PHONE_WIDTH = str.maketrans("０１２３４５６７８９－（）＋　", "0123456789-()+ ")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
# 区号 (three digits for 010 and 02x, four for the rest: 0316), a local number of 7-8 digits
# not starting with 0 or 1, an extension after 转, #, or a hyphen.
_LANDLINE = re.compile(r"(?:\(?(0(?:10|2\d|[3-9]\d\d))\)?[-\s]?)?([2-9]\d{6,7})(?:\s*(?:转|#|-|ext\.?)\s*(\d{1,6}))?",
                       re.IGNORECASE)


def parse_phone(text: str) -> str:
    """A phone number as it is stored: a mainland mobile as 11 digits (13912345678), a landline
    as 010-69541234 (area code optional, extension as -123); "" for an empty box. Raises
    RuleViolation("phone") for anything else (letters, markup, too few or too many digits)."""
    value = (text or "").translate(_PHONE_WIDTH).strip()
    if not value:
        return ""
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", value))
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(value)
    if landline:
        area, number, extension = landline.groups()
        return "-".join(part for part in (area, number, extension) if part)
    raise RuleViolation("phone", "请填写正确的电话号码：11位手机号，或座机号（可带区号，如 010-69541234）。")
