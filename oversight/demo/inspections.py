"""Demonstration inspections through the real services: one of a street's office and one of
the insurer, with findings in every state (open, open and overdue, reported, returned,
accepted, cancelled)."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from ..models.inspections import Party
from ..services import inspections as services

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _scan(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCAN, content_type="application/pdf")


def load_inspections(*, staff, officer, insurer_user, today: date) -> int:
    """Two inspections and their findings; returns the number of findings."""
    street, insurer = officer.street, insurer_user.insurer
    visit = services.inspection_record(actor=staff, today=today - timedelta(days=40), data={
        "inspected_on": today - timedelta(days=40), "target": Party.STREET, "street": street,
        "scopes": ["reporting", "claims", "service"], "inspectors": "王明、李华", "place": f"{street}社区卫生计生办公室",
        "summary": "抽查本街道今年以来的报案登记、材料收集和入户服务台账，询问专管员对绿色通道的掌握情况。"})

    def finding(inspection, days_ago, description, scope, requirement, deadline=10, party=None):
        party = party or inspection.target
        return services.finding_add(inspection_id=inspection.pk, actor=staff, today=today - timedelta(days=days_ago), data={
            "scope": scope, "description": description, "requirement": requirement, "responsible": party,
            "responsible_street": street if party == Party.STREET else None,
            "responsible_insurer": insurer if party == Party.INSURER else None, "deadline_days": deadline})

    accepted = finding(visit, 40, "3件理赔在出院30天后才报案，专管员未及时告知家属报案时限。", "reporting",
                       "向辖区全部家庭再次告知报案时限，建立出院情况定期询问制度。")
    services.finding_report(finding_id=accepted.pk, actor=officer, today=today - timedelta(days=33),
                            text="已逐户电话告知报案时限，并建立每月询问住院情况的台账。", files=[_scan("告知记录.pdf")])
    services.finding_accept(finding_id=accepted.pk, actor=staff, note="台账齐全，整改到位。",
                            today=today - timedelta(days=30))
    returned = finding(visit, 40, "入户服务台账缺少服务对象签字。", "service", "补齐近三个月入户服务记录的签字。")
    services.finding_report(finding_id=returned.pk, actor=officer, today=today - timedelta(days=35),
                            text="已补齐部分签字。", files=[_scan("服务台账.pdf")])
    services.finding_return(finding_id=returned.pk, actor=staff, deadline_days=10, today=today - timedelta(days=5),
                            reason="仍有6户未补签字，请全部补齐后再报送。")
    finding(visit, 40, "绿色通道联系人名单未更新，两家定点医院联系人已调离。", "service", "更新名单并报区卫健委备案。",
            deadline=10)                                            # open and overdue
    cancelled = finding(visit, 39, "专管员未参加年度业务培训。", "service", "参加下一期培训。")
    services.finding_cancel(finding_id=cancelled.pk, actor=staff, reason="经核实已参加6月培训，签到表漏记。",
                            today=today - timedelta(days=38))

    audit = services.inspection_record(actor=staff, today=today - timedelta(days=20), data={
        "inspected_on": today - timedelta(days=20), "target": Party.INSURER, "insurer": insurer,
        "scopes": ["claims", "funds"], "inspectors": "王明、赵强", "place": "保险公司通州营业部",
        "summary": "抽查本年度已核定理赔的支付时效和核定计算过程。"})
    reported = finding(audit, 20, "2件理赔核定后超过10个工作日才支付。", "funds", "说明原因，建立支付时限提醒。",
                       party=Party.INSURER)
    services.finding_report(finding_id=reported.pk, actor=insurer_user, today=today - timedelta(days=10),
                            text="已在核心系统设置支付时限提醒，相关经办人已作说明。", files=[_scan("支付提醒截图.pdf")])
    finding(audit, 2, "核定通知书未写明超过年度上限不予给付的天数。", "claims", "修改通知书模板。",
            party=Party.INSURER)                                    # open, within its deadline
    return 6
