"""Download responses: Chinese file names with the date (filename*=UTF-8''...), no caching."""

from django.http import FileResponse
from django.utils import timezone

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def dated_name(stem: str, extension: str, today=None) -> str:
    """参保对象花名册_2026-01-05.xlsx"""
    return f"{stem}_{(today or timezone.localdate()):%Y-%m-%d}.{extension}"


def file_download(file, filename: str, content_type: str, *, as_attachment: bool = True) -> FileResponse:
    """Stream an open file (positioned anywhere) as an attachment, or shown in the browser with
    `as_attachment=False`; never cached, never content-sniffed; the file is closed afterwards."""
    file.seek(0)
    response = FileResponse(file, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
