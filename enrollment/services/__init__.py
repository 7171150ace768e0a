"""Every write path of the enrollment app. Import services from here."""

from .persons import person_update  # noqa: F401
from .roster import (  # noqa: F401
    RowChoice,
    roster_apply_count,
    roster_import_apply,
    roster_import_apply_queue,
    roster_import_close,
    roster_import_discard,
    roster_import_preview,
    roster_import_queue,
    roster_rows_choose,
)
from .cover import policies_issue, policies_sync, scheme_year_save  # noqa: F401
