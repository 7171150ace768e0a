"""Publicity notices (宣传告知书, plan 五(七) 加强宣传; domain.md "Publicity"): what a notice tells
a family, and the share of families told."""

from decimal import Decimal

from tongzhou_care.core.rules import percent_of


def delivered_share(delivered: int, insured: int) -> Decimal | None:
    """The percentage of persons to be told who were told this scheme year (one decimal)."""
    return percent_of(delivered, insured)


def how_to_report(*, report_deadline_days: int, claim_time_limit_years: int) -> list[str]:
    """The notice's "how to report" lines, from the scheme year's settings (domain.md "Claims")."""
    return [
        "住院期间或出院后，请尽快联系本街道（乡镇）专管员或承保机构报案；"
        f"请在出院后 {report_deadline_days} 天内报案。",
        "理赔材料：被保险人身份证、出院小结或诊断证明、被保险人本人的银行借记卡（不能是信用卡）；"
        "他人代办的，另需授权委托书和代办人身份证。",
        "门诊留观、家庭病床和挂床不属于住院，不能申请住院护理补贴。",
        "材料不全的，承保机构一次性告知需补交的全部材料。",
        f"出院超过 {claim_time_limit_years} 年未申请的，不再受理。",
    ]
