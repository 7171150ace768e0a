"""Uploaded files on disk for exactly as long as a request needs them (S16, S20)."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def request_too_large(request, limit: int) -> bool:
    """True when the body announced by the client exceeds `limit` bytes plus room for the form
    fields: refuse before Django reads the upload at all. (Django caps form fields, not files.)"""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024
    except ValueError:
        return True


@contextmanager
def upload_on_disk(uploaded):
    """A path to the uploaded file's bytes. A large upload already sits in Django's temporary
    file (removed by Django when the request ends); a small one, held in memory, is written to
    a temporary file of our own that is removed here, on success and on error alike."""
    if hasattr(uploaded, "temporary_file_path"):
        yield Path(uploaded.temporary_file_path())
        return
    directory = settings.FILE_UPLOAD_TEMP_DIR or None
    fd, name = tempfile.mkstemp(prefix="tz-upload-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in uploaded.chunks():
                f.write(chunk)
        yield Path(name)
    finally:
        os.unlink(name)
