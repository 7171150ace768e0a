"""Oversight demonstration data: a year of service log, complaints in every state, surveys,
training, inspections and data checks (the demo_data command: OversightConfig.demo_data_steps)."""


def load_demo(demo) -> None:
    from . import complaints, service_log, surveys, training
    from .checks import load_checks
    from .inspections import load_inspections

    users, today, officers = demo.users, demo.today, demo.officers
    demo.say(f"服务台账：{service_log.load(officers, today)} 条；投诉：{complaints.load(users, today)} 件；"
             f"满意度调查已完成 {surveys.load(users, today)} 项；业务培训：{training.load(users, today)} 次。")
    findings = load_inspections(staff=users["staff"], officer=users["officer001"], insurer_user=users["insurer"],
                                today=today)
    checks = load_checks(staff=users["staff"], admin=users["admin"], officers=officers, today=today)
    demo.say(f"巡查：2 次，问题 {findings} 个，各种状态都有；数据核查发现 {checks} 条。")
