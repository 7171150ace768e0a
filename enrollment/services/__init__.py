"""Every write path of the enrollment app. Import services from here."""

from .persons import (  # noqa: F401
    person_update,
    persons_create,
    persons_link_spouses,
)
from .roster import (  # noqa: F401
    roster_import_apply,
    roster_import_discard,
    roster_import_preview,
)
