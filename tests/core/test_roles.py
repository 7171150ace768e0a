"""S9 and point 6 of the foundation: the role matrix in code is what the groups hold; officers
belong to one street; users cannot give themselves capabilities; finance never writes."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.factories import make_user
from tests.scoping import plant
from tests.test_scoping import app_patterns, url_for
from tongzhou_care.core.models import Role, Street, User
from tongzhou_care.core.middleware import ReadOnlyRoleMiddleware
from tongzhou_care.core.roles import ROLE_PERMISSIONS, group_name, sync_roles


def perms_of(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.django_db
def test_groups_hold_exactly_the_matrix_after_migrate():
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms_of(Group.objects.get(name=group_name(role))) == set(perms)


@pytest.mark.django_db
def test_sync_repairs_a_group_changed_by_hand():
    group = Group.objects.get(name=group_name(Role.FINANCE))
    group.permissions.clear()
    from django.contrib.auth.models import Permission
    group.permissions.add(Permission.objects.get(codename="change_person"))
    sync_roles()
    assert perms_of(group) == set(ROLE_PERMISSIONS[Role.FINANCE])


def test_every_role_has_a_row_in_the_matrix():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_finance_holds_no_write_permission():
    writes = [p for p in ROLE_PERMISSIONS[Role.FINANCE]
              if p.split(".")[1].split("_")[0] in ("add", "change", "delete", "import", "unmask")]
    assert writes == []


@pytest.mark.django_db
def test_user_gets_the_group_of_their_role_and_nothing_else(street_a):
    user = make_user(Role.STREET_OFFICER, street_obj=street_a)
    assert [g.name for g in user.groups.all()] == [group_name(Role.STREET_OFFICER)]
    assert not user.is_staff and not user.is_superuser
    assert user.has_perm("enrollment.view_person")
    assert not user.has_perm("core.view_all_streets")
    admin = make_user(Role.COMMISSION_ADMIN)
    assert admin.is_staff and admin.has_perm("core.add_user")


@pytest.mark.django_db
def test_user_without_role_can_do_nothing(client_for):
    from tongzhou_care.core.services import user_save
    user = user_save(user=User(username="norole"), actor=None, password="Norole-Passw0rd-1")
    assert user.get_all_permissions() == set()
    client = client_for(user)
    assert "尚未分配角色" in client.get("/").content.decode()
    assert client.get("/persons/").status_code == 403


@pytest.mark.django_db
def test_officer_must_have_exactly_one_street_enforced_by_database(street_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role=Role.STREET_OFFICER, street=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="y", role=Role.COMMISSION_STAFF, street=street_a)


@pytest.mark.django_db
def test_officer_without_street_gets_a_clear_message():
    from tongzhou_care.core.services import user_save
    with pytest.raises(ValidationError, match="必须且只能属于一个街道"):
        user_save(user=User(username="z", role=Role.STREET_OFFICER), actor=None)


@pytest.mark.django_db
def test_admin_creates_officer_bound_to_street(client_for, commission_admin, street_a):
    client = client_for(commission_admin)
    response = client.post(reverse("admin:core_user_add"), {
        "username": "new_officer", "full_name": "王专管", "role": Role.STREET_OFFICER,
        "street": street_a.pk, "usable_password": "true",
        "password1": "New-Officer-Passw0rd", "password2": "New-Officer-Passw0rd",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new_officer")
    assert user.street == street_a and user.groups.get().name == group_name(Role.STREET_OFFICER)
    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_admin_form_cannot_grant_superuser_or_groups(client_for, commission_admin, officer_a):
    client = client_for(commission_admin)
    client.post(reverse("admin:core_user_change", args=[officer_a.pk]), {
        "username": officer_a.username, "full_name": "x", "role": Role.STREET_OFFICER,
        "street": officer_a.street_id, "is_active": "on",
        "is_superuser": "on", "is_staff": "on", "groups": [1, 2, 3],
    })
    officer_a.refresh_from_db()
    assert not officer_a.is_superuser and not officer_a.is_staff
    assert [g.name for g in officer_a.groups.all()] == [group_name(Role.STREET_OFFICER)]


@pytest.mark.django_db
def test_admin_site_is_in_chinese(client_for, commission_admin):
    body = client_for(commission_admin).get(reverse("admin:index")).content.decode()
    assert "用户与基础数据" in body and "参保对象" in body


@pytest.mark.django_db
def test_every_post_by_finance_is_403(client_for, finance, street_a):
    """S9: finance never writes, whatever URL it posts to."""
    client = client_for(finance)
    posted = 0
    for regex, name, kwargs in app_patterns():
        if name in ReadOnlyRoleMiddleware.ALLOWED:   # logout, own password and second factor, search
            continue
        url = url_for(regex, {k: v.pk for k, v in plant(kwargs, street_a).items()})
        assert client.post(url, {"reason": "x"}).status_code == 403, name
        posted += 1
    assert client.post(reverse("admin:core_user_add"), {}).status_code in (302, 403)
    assert posted >= 3


# Issue 13 point 6: each role's exact permissions, written out here rather than read from
# roles.py, so that a capability added to a role (finance writing, say) fails this test until
# someone decides it here too.
_CASEWORK = {"enrollment.view_person", "enrollment.unmask_person", "claims.view_claim",
             "claims.report_claim", "claims.upload_claim_document", "claims.withdraw_claim",
             "claims.set_payee"}
_COMMISSION_OVERSIGHT = {
    "oversight.view_serviceentry", "oversight.export_service_log", "oversight.view_complaint",
    "oversight.add_complaint", "oversight.assign_complaint", "oversight.reply_complaint",
    "oversight.close_complaint", "oversight.export_complaint", "oversight.view_survey",
    "oversight.view_survey_figures", "oversight.draw_survey_sample", "oversight.view_trainingsession",
    "oversight.add_trainingsession", "oversight.change_trainingsession"}
# Inspections and data checks (issue of the oversight app): who sees, exports and answers findings.
_FINDINGS = {"oversight.view_checkfinding", "oversight.export_checkfinding", "oversight.view_inspectionfinding",
             "oversight.export_inspectionfinding"}
# Issue 10: the insurer evaluation, the dynamic adjustment and the annual report.
_FIGURES = {"enrollment.view_evaluation", "enrollment.view_adjustment", "enrollment.make_annual_report"}
# Issue 10 point 5: publicity notices (宣传告知书), printed and delivered by the commission and officers.
_PUBLICITY = {"oversight.print_publicity"}
EXPECTED_PERMISSIONS = {
    Role.COMMISSION_ADMIN: _CASEWORK | _COMMISSION_OVERSIGHT | _FINDINGS | _FIGURES | _PUBLICITY | {
        "oversight.view_inspection"} | {
        "core.view_all_streets", "core.view_statistics", "core.view_history",
        "core.view_user", "core.add_user", "core.change_user", "core.reset_two_factor",
        "core.view_street", "core.view_insurer", "core.add_insurer", "core.change_insurer",
        "enrollment.change_person", "enrollment.change_person_contact", "enrollment.import_roster",
        "enrollment.export_person", "enrollment.export_person_full",
        "enrollment.view_schemeyear", "enrollment.add_schemeyear", "enrollment.change_schemeyear",
        "enrollment.issue_policies", "enrollment.view_premium",
        "enrollment.export_insured_list", "enrollment.export_insured_list_full",
        "claims.view_all_claims", "claims.appeal_claim", "claims.view_diagnosis", "claims.export_claims"},
    Role.COMMISSION_STAFF: _CASEWORK | _COMMISSION_OVERSIGHT | _FINDINGS | _FIGURES | _PUBLICITY | {
        "oversight.view_inspection", "oversight.record_inspection", "oversight.review_rectification",
        "oversight.run_checks", "oversight.handle_checkfinding"} | {
        "core.view_all_streets", "core.view_statistics", "core.view_history",
        "enrollment.change_person_contact", "enrollment.export_person", "enrollment.view_schemeyear",
        "enrollment.view_premium", "enrollment.export_insured_list",
        "claims.view_all_claims", "claims.appeal_claim", "claims.view_diagnosis", "claims.export_claims"},
    Role.STREET_OFFICER: _CASEWORK | {
        "core.view_statistics", "enrollment.change_person_contact", "enrollment.export_person",
        "claims.appeal_claim",
        "oversight.view_serviceentry", "oversight.add_serviceentry", "oversight.export_service_log",
        "oversight.view_complaint", "oversight.add_complaint", "oversight.reply_complaint",
        "oversight.export_complaint", "oversight.view_survey", "oversight.conduct_survey",
        "oversight.view_survey_figures", "oversight.view_trainingsession"} | _FINDINGS | _PUBLICITY | {
        "oversight.answer_inspectionfinding"},
    Role.INSURER_STAFF: _CASEWORK | {
        "claims.accept_claim", "claims.decide_claim", "claims.pay_claim", "claims.view_diagnosis",
        "claims.export_claims", "enrollment.view_schemeyear", "enrollment.issue_policies",
        "enrollment.view_premium", "enrollment.export_insured_list", "enrollment.export_insured_list_full",
        "oversight.view_complaint", "oversight.reply_complaint", "oversight.export_complaint",
        "oversight.view_trainingsession", "oversight.answer_inspectionfinding", "oversight.export_inspectionfinding",
        "oversight.view_inspectionfinding", "enrollment.view_evaluation"},
    Role.FINANCE: {"core.view_all_streets", "core.view_statistics", "enrollment.view_schemeyear",
                   "enrollment.view_premium", "oversight.view_survey_figures",
                   "enrollment.view_evaluation", "enrollment.view_adjustment"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
def test_each_role_holds_exactly_its_written_permissions(role):
    user = make_user(role, street_obj=(Street.objects.first() if role == Role.STREET_OFFICER else None))
    assert user.get_all_permissions() == EXPECTED_PERMISSIONS[role]
