"""Roster import pages: upload, preview, apply or discard, error report, history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongzhou_care.core.downloads import XLSX, dated_name, file_download
from tongzhou_care.core.models import AccessLog
from tongzhou_care.core.rules import RuleViolation
from tongzhou_care.core.services import access_log_record
from tongzhou_care.core.uploads import request_too_large, upload_on_disk
from tongzhou_care.core.xlsx import open_temp

from ..exports import write_error_report
from ..forms import RosterApplyForm, RosterChoicesForm, RosterUploadForm
from ..models import RosterRow
from ..roster_files import LIMITS, RosterFileError
from ..selectors import (
    ROW_SORTING,
    current_scheme_year,
    roster_import_cover_ended,
    roster_import_for_user_or_404,
    roster_import_rows,
    roster_import_unimported,
    roster_imports_visible_to,
    roster_rows_side_by_side,
)
from ..services import (
    roster_apply_count,
    roster_import_apply,
    roster_import_apply_queue,
    roster_import_close,
    roster_import_discard,
    roster_import_preview,
    roster_import_queue,
    roster_rows_choose,
)

ROWS_PER_PAGE = 50
# The preview's tabs, in the order a clerk works through them.
TAB_ORDER = ("error", "new", "changed", "death", "removal", "missing", "skipped")
TABS = [(kind, dict(RosterRow.Kind.choices)[kind]) for kind in TAB_ORDER]


@require_GET
@login_required
@permission_required("enrollment.import_roster", raise_exception=True)
def roster_import_list(request):
    page = Paginator(roster_imports_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "enrollment/roster_import_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("enrollment.import_roster", raise_exception=True)
def roster_import_new(request):
    if request.method == "POST" and request_too_large(request, LIMITS.max_bytes):
        # Refused from the announced length alone: the body is never read.
        form = RosterUploadForm(initial={"roster_year": timezone.localdate().year})
        return render(request, "enrollment/roster_import_new.html", {
            "form": form, "upload_error": f"文件超过 {LIMITS.max_bytes // (1024 * 1024)} MB 的上限，请分批导入。",
        }, status=400)
    form = RosterUploadForm(request.POST or None, request.FILES or None,
                            initial={"roster_year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > settings.ROSTER_BACKGROUND_BYTES:
            try:
                job = roster_import_queue(chunks=uploaded.chunks(), file_name=uploaded.name,
                                          roster_year=form.cleaned_data["roster_year"], actor=request.user)
            except RuleViolation as violation:
                form.add_error("file", violation.message)
                return render(request, "enrollment/roster_import_new.html", {"form": form}, status=429)
            return redirect("job_detail", job_id=job.pk)
        try:
            with upload_on_disk(uploaded) as path:
                roster_import = roster_import_preview(
                    path=path, file_name=uploaded.name, roster_year=form.cleaned_data["roster_year"],
                    actor=request.user)
        except RosterFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("enrollment:roster_import_detail", import_id=roster_import.pk)
    return render(request, "enrollment/roster_import_new.html", {"form": form},
                  status=400 if form.errors else 200)


def _counts(roster_import) -> dict[str, int]:
    return {"new": roster_import.new_count, "changed": roster_import.changed_count,
            "death": roster_import.death_count, "removal": roster_import.removal_count,
            "skipped": roster_import.skipped_count, "error": roster_import.error_count,
            "missing": roster_import.missing_count}


def _tab_rows(request, roster_import):
    counts = _counts(roster_import)
    tab = request.GET.get("tab")
    if tab not in counts:
        tab = next((k for k in TAB_ORDER if counts[k]), "new")
    sort = ROW_SORTING.read(request.GET.get("sort"))
    page = Paginator(roster_import_rows(roster_import, tab, sort), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return counts, tab, sort, page


@require_GET
@login_required
def roster_import_detail(request, import_id):
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    counts, tab, sort, page = _tab_rows(request, roster_import)
    return _detail(request, roster_import, counts, tab, sort, page)


def _detail(request, roster_import, counts, tab, sort, page, *, choices_form=None, status=200):
    form = RosterApplyForm(initial={
        "apply_new": bool(roster_import.new_count), "apply_changed": bool(roster_import.changed_count),
        "removal_reason": f"未列入{roster_import.roster_year}年度花名册",
    })
    editable = roster_import.status == roster_import.Status.PREVIEWED and tab in ("changed", "death", "removal")
    if editable and choices_form is None:
        choices_form = RosterChoicesForm(rows=page.object_list)
    year = current_scheme_year(timezone.localdate())
    ended = roster_import_cover_ended(roster_import) if roster_import.ended or roster_import.removed else []
    return render(request, "enrollment/roster_import_detail.html", {
        "ri": roster_import, "tabs": [(k, label, counts[k]) for k, label in TABS],
        "tab": tab, "page": page, "form": form, "sort": sort,
        "sort_query": f"tab={tab}", "page_query": f"tab={tab}&sort={sort}",
        "choices_form": choices_form if editable and choices_form.fields else None,
        "side_by_side": roster_rows_side_by_side(roster_import, page.object_list) if tab == "error" else {},
        "several_sheets": len(roster_import.sheets) > 1,
        "ended": ended[:20], "ended_count": len(ended),
        "claims_beyond_cover": _claims_beyond_cover(request.user, ended) if ended else 0,
        "current_year": year,
    }, status=status)


@require_POST
@login_required
def roster_import_choose(request, import_id):
    """Save the clerk's choices on the rows of one page of the preview (take or leave contact
    and bank changes; dates of deaths and removals the file does not give)."""
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    counts, tab, sort, page = _tab_rows(request, roster_import)
    form = RosterChoicesForm(request.POST, rows=page.object_list)
    if form.is_valid():
        try:
            saved = roster_rows_choose(roster_import_id=roster_import.pk, actor=request.user,
                                       choices=form.choices())
        except RuleViolation as violation:
            form.add_error(None, violation.message)
        else:
            messages.success(request, f"已保存本页 {saved} 行的选择。确认导入时按所选内容处理。")
            return redirect(f"{reverse('enrollment:roster_import_detail', kwargs={'import_id': roster_import.pk})}"
                            f"?tab={tab}&sort={sort}&page={page.number}")
    return _detail(request, roster_import, counts, tab, sort, page, choices_form=form, status=400)


@require_POST
@login_required
def roster_import_apply_view(request, import_id):
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    form = RosterApplyForm(request.POST)
    if form.is_valid() and roster_apply_count(roster_import, form.kinds()) > settings.ROSTER_BACKGROUND_APPLY_ROWS:
        # A large apply outlasts the web server's timeout: a worker does it, the page shows progress.
        try:
            job = roster_import_apply_queue(
                roster_import_id=roster_import.pk, actor=request.user, kinds=form.kinds(),
                skip_errors=form.cleaned_data["skip_errors"], removal_date=form.cleaned_data["removal_date"],
                removal_reason=form.cleaned_data["removal_reason"])
        except RuleViolation as violation:
            messages.error(request, violation.message)
        else:
            return redirect("job_detail", job_id=job.pk)
    elif form.is_valid():
        try:
            roster_import = roster_import_apply(
                roster_import_id=roster_import.pk, actor=request.user, kinds=form.kinds(),
                skip_errors=form.cleaned_data["skip_errors"],
                removal_date=form.cleaned_data["removal_date"],
                removal_reason=form.cleaned_data["removal_reason"])
        except RuleViolation as violation:
            messages.error(request, violation.message)
        else:
            messages.success(request, f"花名册已导入：新增 {roster_import.inserted} 人，变更 {roster_import.updated} 人，"
                             f"登记死亡或减员 {roster_import.ended} 人，缺失减员 {roster_import.removed} 人。"
                             + _ended_message(request, roster_import))
    return redirect("enrollment:roster_import_detail", import_id=roster_import.pk)


def _ended_message(request, roster_import) -> str:
    """Whose cover the import ended, and how many decided claims now pay days after it, for the
    message after applying it."""
    ended = roster_import_cover_ended(roster_import)
    if not ended:
        return ""
    names = "、".join(f"{c.policy.person.name}（{c.scheme_year.name}保障至{c.policy.cover_end:%Y-%m-%d}）"
                     for c in ended[:10])
    message = f"以下 {len(ended)} 人的保障已终止：{names}{'等' if len(ended) > 10 else ''}，已列入增减员清单。"
    claims = _claims_beyond_cover(request.user, ended)
    if claims:
        message += f"其中有 {claims} 件已核定的理赔含保障终止后的天数，已列入理赔复核（补充核定）。"
    return message


def _claims_beyond_cover(user, ended) -> int:
    """Decided or paid claims of these persons with paid days after their cover now ends
    (claims.selectors.claims_beyond_cover: the claims list for review)."""
    from claims.selectors import claims_beyond_cover

    return claims_beyond_cover(user, person_ids={c.policy.person_id for c in ended}).count()


def _end_preview(request, import_id, service, done: str, then: str):
    """Close or discard a preview through `service`; the message says which happened."""
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    try:
        service(roster_import_id=roster_import.pk, actor=request.user)
    except RuleViolation as violation:
        messages.error(request, violation.message)
        then = "enrollment:roster_import_detail"
    else:
        messages.success(request, done)
    if then == "enrollment:roster_import_list":
        return redirect(then)
    return redirect(then, import_id=roster_import.pk)


@require_POST
@login_required
def roster_import_close_view(request, import_id):
    return _end_preview(request, import_id, roster_import_close, "本次花名册与系统记录一致，已按“无变动”关闭。",
                        "enrollment:roster_import_detail")


@require_POST
@login_required
def roster_import_discard_view(request, import_id):
    return _end_preview(request, import_id, roster_import_discard, "已放弃本次导入，未做任何修改。",
                        "enrollment:roster_import_list")


@require_GET
@login_required
def roster_import_errors(request, import_id):
    """The rows that were not imported, with reasons and the original cells, as .xlsx."""
    roster_import = roster_import_for_user_or_404(request.user, import_id)
    out = open_temp()
    count = write_error_report(
        out, header=roster_import.header, rows=roster_import_unimported(roster_import),
        several_sheets=len(roster_import.sheets) > 1,
        title=f"{roster_import.file_name} 未导入的行（{timezone.localtime(roster_import.created_at):%Y-%m-%d %H:%M}上传）")
    access_log_record(actor=request.user, action=AccessLog.Action.EXPORT,
                      target=f"花名册导入 #{roster_import.pk} 错误报告", rows=count)
    stem = roster_import.file_name.rsplit(".", 1)[0][:60]
    return file_download(out, dated_name(f"{stem}_错误报告", "xlsx"), XLSX)


