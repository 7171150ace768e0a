"""Masked display of personal data, done on the server (S10).

ID number → first 6 + last 4 (the birth date is hidden); phone → first 3 + last 4; bank
account → last 4; birth date → its year (the masked ID number plus the full birth date would
give the whole number); address → the part before the first digit (street and community, not
the building and door). Anything too short to mask safely is hidden whole.
"""

import re
from datetime import date

MASK = "*"


def mask_id_number(value: str | None) -> str:
    """110112********123X for an 18-character ID number."""
    if not value:
        return ""
    if len(value) < 11:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for a mobile number; a short landline keeps only its last 4."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + MASK * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return MASK * (len(value) - 4) + value[-4:]
    return MASK * len(value)


def mask_bank_account(value: str | None) -> str:
    """**** 1234: only the last four digits."""
    if not value:
        return ""
    if len(value) <= 4:
        return MASK * len(value)
    return MASK * 4 + " " + value[-4:]


def mask_birth_date(value) -> str:
    """1950年 for 1950-03-07 (a date or its ISO text, as the audit trail stores it)."""
    if not value:
        return ""
    year = value.year if isinstance(value, date) else str(value)[:4]
    return f"{year}年"


def mask_address(value: str | None) -> str:
    """运河社区**** for 运河社区7号楼3单元502: the building and door are hidden."""
    if not value:
        return ""
    kept = re.split(r"[0-9０-９一二三四五六七八九十百]+[号幢栋楼单元室层#-]", value, maxsplit=1)[0]
    kept = re.split(r"[0-9０-９]", kept, maxsplit=1)[0]
    return kept + MASK * 4 if kept != value else value


# Masked display of a column by name, for rows shown generically (histories, import changes):
# any column whose name ends so is masked, so a field added later (complainant_phone,
# payee_id_number ...) is masked without anyone remembering to list it.
MASKED_SUFFIXES = (("id_number", mask_id_number), ("phone", mask_phone), ("account", mask_bank_account),
                   ("birth_date", mask_birth_date))


def masker_for(column: str):
    """The masking function of a column, or None when it holds nothing to mask."""
    return next((masker for suffix, masker in MASKED_SUFFIXES if column.endswith(suffix)), None)


def mask_column(column: str, value) -> str:
    """`value` of column `column` as a page may show it without an unmask."""
    masker = masker_for(column)
    if masker is None or value in (None, ""):
        return value
    return masker(value if column.endswith("birth_date") else str(value))
