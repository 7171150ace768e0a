"""View helpers the oversight features share: the page's query without the page number, and
logged Excel downloads."""

from django.core.paginator import Paginator

from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.xlsx import open_temp

PAGE_SIZE = 50


def paginate(request, queryset, size: int = PAGE_SIZE):
    """(page, the query string without `page`) for a list and its pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(queryset, size).get_page(request.GET.get("page")), query.urlencode()


def describe(form) -> str:
    """A filter bar's values in its own words, for the access log (never a full ID number:
    the filters accept names only)."""
    data = form.cleaned_or_empty()
    parts = [f"{form.fields[name].label}：{'是' if value is True else value}" for name, value in data.items()
             if value not in (None, "", False)]
    return "，".join(parts) or "全部"


def xlsx_download(request, write, *, stem: str, target: str, detail: str):
    """Write an export with `write(out) -> rows`, log it (S14) and send it as 《stem》_date.xlsx."""
    out = open_temp()
    rows = write(out)
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT, target=target, detail=detail, rows=rows)
    return file_download(out, dated_name(stem, "xlsx"), XLSX)
