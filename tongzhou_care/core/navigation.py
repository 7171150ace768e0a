"""The left menu: one list for the whole system; each entry shows only to users holding its
permission, so a role sees exactly what it may do."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    icon: str               # a bootstrap-icons name
    perm: str | tuple[str, ...] | None = None  # None: every user with a role; a tuple: any of them


MENU: tuple[MenuItem, ...] = (
    MenuItem("首页", "home", "house"),
    MenuItem("报案", "claims:report_person", "plus-circle", "claims.report_claim"),
    MenuItem("理赔", "claims:claim_list", "clipboard-check", "claims.view_claim"),
    MenuItem("逾期待办", "claims:overdue_list", "alarm", "claims.view_claim"),
    MenuItem("待补充核定", "claims:review_list", "arrow-repeat", ("claims.decide_claim", "claims.view_all_claims")),
    MenuItem("支付导入", "claims:payment_import", "cash-coin", "claims.pay_claim"),
    MenuItem("参保对象", "enrollment:person_list", "people", "enrollment.view_person"),
    MenuItem("花名册导入", "enrollment:roster_import_list", "upload", "enrollment.import_roster"),
    MenuItem("保险年度与保单", "enrollment:scheme_year_list", "shield-check", "enrollment.view_schemeyear"),
    MenuItem("巡查", "oversight:inspection_list", "binoculars", "oversight.view_inspection"),
    MenuItem("巡查问题整改", "oversight:finding_list", "clipboard2-pulse", "oversight.view_inspectionfinding"),
    MenuItem("数据核查", "oversight:check_finding_list", "database-check", "oversight.view_checkfinding"),
    MenuItem("服务台账", "oversight:service_entry_list", "journal-text", "oversight.view_serviceentry"),
    MenuItem("投诉", "oversight:complaint_list", "megaphone", "oversight.view_complaint"),
    MenuItem("满意度调查", "oversight:survey_list", "telephone", "oversight.view_survey"),
    MenuItem("满意度统计", "oversight:survey_figures", "bar-chart", "oversight.view_survey_figures"),
    MenuItem("绩效评估", "oversight:evaluation_list", "clipboard-data", "enrollment.view_evaluation"),
    MenuItem("动态调整", "oversight:adjustment", "graph-up", "enrollment.view_adjustment"),
    MenuItem("宣传告知", "oversight:publicity", "envelope-paper", "oversight.print_publicity"),
    MenuItem("业务培训", "oversight:training_list", "mortarboard", "oversight.view_trainingsession"),
    MenuItem("后台任务", "job_list", "hourglass-split"),
    MenuItem("用户与权限", "admin:index", "gear", "core.view_user"),
)


def menu_for(user, current_path: str) -> list[dict]:
    """The user's menu entries; the one whose URL is the longest prefix of the current path is
    active (报案 at /claims/report/ lies inside 理赔's /claims/, and only 报案 lights up)."""
    items = []
    for item in MENU:
        perms = (item.perm,) if isinstance(item.perm, str) else item.perm
        if perms is not None and not any(user.has_perm(p) for p in perms):
            continue
        if item.perm is None and not user.role:
            continue
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": False})
    matches = [i for i in items if (current_path == i["url"] if i["url"] == "/" else current_path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
