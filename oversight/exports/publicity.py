"""The publicity notice (宣传告知书) as a PDF: one A4 page per family, with a receipt slip the
officer brings back. Rows in, file out; the views and the batch job fetch the rows through the
scoped selectors."""

from datetime import date

from claims.rules import days_left
from tongzhou_care.core.masking import mask_id_number

from ..rules.publicity import how_to_report


def notice_fields(policy, officers, *, issued_on: date) -> dict:
    """What one notice prints for a policy (with person, street, scheme year and insurer) and
    the street's officers. The ID number is masked: the notice stays in the family's home."""
    year = policy.scheme_year
    return {
        "number": policy.number, "name": policy.person.name, "id_number": mask_id_number(policy.person.id_number),
        "street": policy.person.street.name, "scheme_year": year.name,
        "cover_start": policy.cover_start, "cover_end": policy.cover_end,
        "daily_subsidy": year.daily_subsidy, "day_cap": policy.day_cap, "days_used": policy.days_used,
        "days_left": days_left(day_cap=policy.day_cap, days_used=policy.days_used),
        "insurer": year.insurer.name, "hotline": year.insurer.hotline,
        "officers": [{"name": str(o), "phone": o.phone} for o in officers],
        "how_to_report": how_to_report(report_deadline_days=year.report_deadline_days,
                                       claim_time_limit_years=year.claim_time_limit_years),
        "issued_on": issued_on,
    }


def render_notices(target, notices: list[dict]) -> None:
    """The notices of notice_fields as one PDF (also a part of a batch job)."""
    from tongzhou_care.core.pdf import render_pdf

    render_pdf("oversight/publicity/pdf/notice.html", {"notices": notices}, target)
