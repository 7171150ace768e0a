"""Tongzhou's 22 streets and towns with their statistical township codes (110112xxx000).
Loaded by migration 0002 and re-applied after every migrate (a test database flush empties
the table; reference data must come back with it)."""

STREETS: tuple[tuple[str, str, str], ...] = (
    # (code, name, kind)
    ("110112001000", "中仓街道", "street"),
    ("110112002000", "新华街道", "street"),
    ("110112003000", "北苑街道", "street"),
    ("110112004000", "玉桥街道", "street"),
    ("110112007000", "潞源街道", "street"),
    ("110112008000", "通运街道", "street"),
    ("110112009000", "文景街道", "street"),
    ("110112010000", "九棵树街道", "street"),
    ("110112011000", "临河里街道", "street"),
    ("110112012000", "杨庄街道", "street"),
    ("110112013000", "潞邑街道", "street"),
    ("110112104000", "宋庄镇", "town"),
    ("110112105000", "张家湾镇", "town"),
    ("110112106000", "漷县镇", "town"),
    ("110112109000", "马驹桥镇", "town"),
    ("110112110000", "西集镇", "town"),
    ("110112114000", "台湖镇", "town"),
    ("110112117000", "永乐店镇", "town"),
    ("110112119000", "潞城镇", "town"),
    ("110112120000", "永顺镇", "town"),
    ("110112121000", "梨园镇", "town"),
    ("110112209000", "于家务回族乡", "township"),
)


def load_streets(street_model) -> None:
    """Create or correct the 22 streets; works with a migration's historical model too.
    Rows already right are not written (every write is an audit event)."""
    current = {s.code: s for s in street_model.objects.all()}
    for code, name, kind in STREETS:
        street = current.get(code)
        if street is None:
            street_model.objects.create(code=code, name=name, kind=kind)
        elif (street.name, street.kind) != (name, kind):
            street.name, street.kind = name, kind
            street.save(update_fields=["name", "kind"])
