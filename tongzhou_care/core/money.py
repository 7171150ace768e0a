"""Money in 元 as Decimal: one rounding helper (ROUND_HALF_UP to the fen) and the amount in
capital Chinese numerals for money documents (人民币叁仟元整)."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_yuan(value) -> Decimal:
    """Round to the fen, half up. The one place amounts are rounded; callers round once, at
    the boundary their rule states."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def format_yuan(value) -> str:
    """3,000.00 — how every page, notice and message writes an amount (the caller adds 元)."""
    return f"{Decimal(value):,.2f}"


def _four_digits(n: int) -> str:
    """0..9999 in capitals, with 零 where a zero stands between digits."""
    out, zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[position]
    return out


def yuan_in_words(amount) -> str:
    """人民币叁仟元整 / 人民币壹万零伍拾元叁角整 / 人民币伍分: the capital form of 会计基础工作规范
    (a zero between digits is written 零; 整 ends an amount without fen)."""
    value = to_yuan(amount)
    if value < 0:
        raise ValueError("负数金额不能写成大写")
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    words, groups = "", []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(words)
            continue
        if words and (need_zero or group < 1000):
            words += "零"
        words += _four_digits(group) + _BIG_UNITS[index]
        need_zero = False
    if jiao == 0 and fen == 0:
        return f"人民币{words or '零'}元整"
    if words:
        words += "元"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    else:
        words += "整"
    return f"人民币{words}"
