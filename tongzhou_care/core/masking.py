"""Masked display of personal data, done on the server (S10).

ID number → first 6 + last 4 (the birth date is hidden); phone → first 3 + last 4; bank
account → last 4. Anything too short to mask safely is hidden whole.
"""

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
