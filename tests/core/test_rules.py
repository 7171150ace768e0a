"""Pure helpers of the core app: masking (S10), password character classes (S3), phone numbers."""

import pytest

from tongzhou_care.core.masking import mask_bank_account, mask_id_number, mask_phone
from tongzhou_care.core.passwords import character_classes
from tongzhou_care.core.rules import RuleViolation, parse_phone


@pytest.mark.parametrize("value, masked", [
    ("11011219490101001X", "110112********001X"),   # first 6 + last 4: birth date hidden
    ("110112194901010011", "110112********0011"),
    ("", ""),
    (None, ""),
    ("12345", "*****"),                             # too short to mask safely: hide whole
])
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("13912345678", "139****5678"),   # first 3 + last 4
    ("010-69541234", "010*****1234"),
    ("69541234", "****1234"),         # short landline: last 4 only
    ("123", "***"),
    ("", ""),
])
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize("value, masked", [
    ("6222020200112233445", "**** 3445"),
    ("1234", "****"),
    ("", ""),
])
def test_mask_bank_account(value, masked):
    assert mask_bank_account(value) == masked


@pytest.mark.parametrize("password, classes", [
    ("abc", 1), ("abcDEF", 2), ("abcDEF123", 3), ("abcDEF123!", 4), ("密码abc1", 3),
])
def test_character_classes(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize("column, value, shown", [
    ("birth_date", "1950-03-07", "1950年"),                 # as the audit trail stores it
    ("birth_date", __import__("datetime").date(1950, 3, 7), "1950年"),
    ("id_number", "110112195003070011", "110112********0011"),
    ("spouse_id_number", "110112195003070011", "110112********0011"),
    ("phone", "13912345678", "139****5678"),
    ("payee_account", "6228480011112222333", "**** 2333"),
    ("complainant_phone", "13912345678", "139****5678"),       # a field added later, by its name
    ("payee_id_number", "110112195003070011", "110112********0011"),
    ("name", "张三", "张三"),
    ("phone", "", ""),
])
def test_mask_column(column, value, shown):
    from tongzhou_care.core.masking import mask_column
    assert mask_column(column, value) == shown


@pytest.mark.parametrize("address, shown", [
    ("运河社区7号楼3单元502", "运河社区****"),
    ("新华大街1号", "新华大街****"),
    ("宋庄镇小堡村", "宋庄镇小堡村"),                          # nothing to hide
    ("", ""),
])
def test_mask_address(address, shown):
    from tongzhou_care.core.masking import mask_address
    assert mask_address(address) == shown


@pytest.mark.parametrize("typed, stored", [
    ("13912345678", "13912345678"),
    ("139 1234 5678", "13912345678"),            # grouped as people say it
    ("139-1234-5678", "13912345678"),
    ("+86 13912345678", "13912345678"),
    ("１３９１２３４５６７８", "13912345678"),     # full-width digits from a Chinese input method
    ("010-69541234", "010-69541234"),
    ("(010)69541234", "010-69541234"),
    ("01069541234", "010-69541234"),
    ("69541234", "69541234"),                    # a Beijing number without the area code
    ("010-69541234转123", "010-69541234-123"),
    ("", ""),
    ("   ", ""),
])
def test_phone_numbers_are_read(typed, stored):
    assert parse_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "电话abc<i>x</i>",       # the example: letters and markup
    "1391234567",            # 10 digits: one missing
    "139123456789",          # 12 digits
    "23912345678",           # not a mobile prefix, too long for a landline
    "12345",
    "010-6954",
    "13912345678 / 69541234",  # two numbers in one box
])
def test_what_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(RuleViolation) as refused:
        parse_phone(typed)
    assert refused.value.code == "phone" and "手机号" in refused.value.message
