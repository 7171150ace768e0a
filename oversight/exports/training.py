from collections.abc import Iterable

from tongzhou_care.core.models import Role
from tongzhou_care.core.xlsx import Column, write_table

TRAINING_COLUMNS = [Column("培训日期", 12, "date"), Column("培训主题", 30), Column("授课人", 12), Column("地点", 20),
                    Column("参训人员", 16), Column("角色", 16), Column("街道/乡镇", 14), Column("保险公司", 24)]


def write_training(out, values: Iterable[tuple], *, title: str) -> int:
    """One row per attendee of each session (selectors TRAINING_VALUES); returns the rows."""
    roles = dict(Role.choices)
    return write_table(out, TRAINING_COLUMNS, (
        [held_on, topic, trainer, location, name, roles.get(role, role), street or "", insurer or ""]
        for held_on, topic, trainer, location, name, role, street, insurer in values),
        sheet_name="业务培训", title=title)
