"""Two demonstration training sessions this scheme year; the officers of a few streets attended
neither (they show as streets without a trained officer)."""

from datetime import date, timedelta

from enrollment.selectors import current_scheme_year
from tongzhou_care.core.models import Role, User

from ..services.training import training_session_save


def load(users: dict, today: date) -> int:
    year = current_scheme_year(today)
    start = year.coverage_start if year else today - timedelta(days=60)
    officers = list(User.objects.filter(role=Role.STREET_OFFICER).order_by("street__code"))
    first = start + timedelta(days=min(20, max((today - start).days - 1, 0)))
    second = start + timedelta(days=min(150, max((today - start).days, 0)))
    training_session_save(actor=users["staff"], held_on=first, topic="住院护理补贴保险政策与报案流程",
                          trainer="区卫健委家庭发展科", location="区卫健委三楼会议室",
                          attendee_ids=[o.pk for o in officers[:14]] + [users["insurer"].pk], today=today)
    training_session_save(actor=users["staff"], held_on=second, topic="理赔材料审核与满意度调查方法",
                          trainer="保险公司理赔部", location="线上（腾讯会议）",
                          attendee_ids=[o.pk for o in officers[10:18]] + [users["staff"].pk], today=today)
    return 2
