"""The clock of the demonstration data: steps that happened over a year are loaded in seconds,
and each should carry the time it would have had (a claim accepted two days after its report
shows that on its timeline). Only `demo_data` uses this; it refuses to run in production."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import count
from unittest import mock


@contextmanager
def demo_clock(moment: datetime):
    """Inside, every django.utils.timezone.now() (auto_now fields, services' timestamps,
    timezone.localdate()) answers `moment`, a second later at each call so the order of the
    rows written stays the order of the calls. The database's own now() (the audit trail's
    times) is not moved: the audit trail says when rows were really written."""
    ticks = count()
    with mock.patch("django.utils.timezone.now", lambda: moment + timedelta(seconds=next(ticks))):
        yield
