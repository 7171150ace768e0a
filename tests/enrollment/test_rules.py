"""GB 11643-1999 ID numbers, as the roster delivers them."""

from datetime import date

import pytest

from enrollment.rules import id_check_character, make_id_number, parse_id_number
from tongzhou_care.core.rules import RuleViolation

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),   # the standard's own worked example
    ("44052418800101001", "4"),
    ("11011219500101001", "6"),
])
def test_check_character(first17, check):
    assert id_check_character(first17) == check


@pytest.mark.parametrize("raw, sex, birth, area", [
    ("11010519491231002X", "F", date(1949, 12, 31), "110105"),
    ("11010519491231002x", "F", date(1949, 12, 31), "110105"),      # lower-case x means X
    (" 110112195001010016 ", "M", date(1950, 1, 1), "110112"),      # spaces trimmed
    ("130682195602290017", "M", date(1956, 2, 29), "130682"),       # leap day; not Tongzhou: fine
])
def test_valid_numbers(raw, sex, birth, area):
    parsed = parse_id_number(raw, today=TODAY)
    assert (parsed.sex, parsed.birth_date, parsed.area_code) == (sex, birth, area)
    assert parsed.value == raw.strip().upper()


@pytest.mark.parametrize("raw, code", [
    ("", "id_missing"),
    ("11010519491231002", "id_length"),
    ("1.10112E+17", "id_length"),
    ("11010519491231002Y", "id_characters"),
    ("110105194912310021", "id_check"),
    (make_id_number("110112", date(1955, 2, 28), 11)[:10] + "0229" + "0110", "id_birth_date"),
    ("110112195502300014", "id_birth_date"),                         # 30 February
    (make_id_number("110112", date(2027, 1, 1), 11), "id_birth_date"),  # in the future
    (make_id_number("110112", date(1899, 12, 31), 11), "id_birth_date"),
])
def test_invalid_numbers(raw, code):
    with pytest.raises(RuleViolation) as error:
        parse_id_number(raw, today=TODAY)
    assert error.value.code == code


def test_make_id_number_sex_follows_sequence_parity():
    assert parse_id_number(make_id_number("110112", date(1950, 5, 5), 13), today=TODAY).sex == "M"
    assert parse_id_number(make_id_number("110112", date(1950, 5, 5), 14), today=TODAY).sex == "F"
