from decimal import Decimal

import pytest

from tongzhou_care.core.money import format_yuan, to_yuan, yuan_in_words

pytestmark = pytest.mark.rules  # pure: runs with scripts/test --rules


@pytest.mark.parametrize("value, rounded", [
    ("2.345", "2.35"), ("2.344", "2.34"), ("-2.345", "-2.35"), ("3000", "3000.00"), ("0.005", "0.01"),
])
def test_to_yuan_rounds_half_up(value, rounded):
    assert to_yuan(Decimal(value)) == Decimal(rounded)


@pytest.mark.parametrize("amount, words", [
    ("3000", "人民币叁仟元整"),
    ("27000.00", "人民币贰万柒仟元整"),
    ("300", "人民币叁佰元整"),
    ("10050.30", "人民币壹万零伍拾元叁角整"),
    ("1010", "人民币壹仟零壹拾元整"),
    ("1000001", "人民币壹佰万零壹元整"),
    ("100000000", "人民币壹亿元整"),
    ("3000.07", "人民币叁仟元零柒分"),
    ("120.56", "人民币壹佰贰拾元伍角陆分"),
    ("0.05", "人民币伍分"),
    ("0", "人民币零元整"),
    ("3210000.5", "人民币叁佰贰拾壹万元伍角整"),
])
def test_yuan_in_words(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


@pytest.mark.parametrize("value, text", [(Decimal("3000"), "3,000.00"), (Decimal("1666.65"), "1,666.65"),
                                         ("0.5", "0.50"), (1234567, "1,234,567.00")])
def test_format_yuan(value, text):
    assert format_yuan(value) == text
