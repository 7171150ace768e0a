"""Home pages per role with real figures, login and logout, Chinese error pages."""

import re

import pytest
from django.urls import reverse

from enrollment.models import PersonStatus
from tests.factories import TEST_PASSWORD, PersonFactory
from tests.html_forms import searched
from tests.two_factor import code_for, enrol


@pytest.fixture
def roster(street_a, street_b):
    PersonFactory.create_batch(3, street=street_a)
    PersonFactory(street=street_a, status=PersonStatus.DECEASED, status_date="2026-05-01")
    PersonFactory.create_batch(5, street=street_b)


@pytest.mark.django_db
def test_officer_home_shows_own_street_figures(client_for, officer_a, roster):
    body = client_for(officer_a).get("/").content.decode()
    assert "中仓街道 参保对象概况" in body
    assert 'data-testid="active-count">3<' in body
    assert "宋庄镇" not in body


@pytest.mark.django_db
def test_commission_home_shows_every_street_before_the_first_scheme_year(client_for, commission_staff, roster):
    body = client_for(commission_staff).get("/").content.decode()
    assert 'data-testid="active-count">8<' in body
    assert re.search(r'中仓街道</th><td class="num">3</td><td class="num">1</td>', body)
    assert re.search(r'宋庄镇</th><td class="num">5</td>', body)
    assert body.count('<th scope="row" class="fw-normal">') == 22


@pytest.mark.django_db
def test_finance_home_shows_figures_without_names(client_for, finance, roster, street_a):
    body = client_for(finance).get("/").content.decode()
    assert 'data-testid="active-count">8<' in body
    from enrollment.models import Person
    assert not any(p.name in body for p in Person.objects.all())
    assert "参保对象</a>" not in body  # no persons menu for finance


@pytest.mark.django_db
def test_menu_follows_role(client_for, officer_a, commission_admin):
    officer_body = client_for(officer_a).get("/").content.decode()
    admin_body = client_for(commission_admin).get("/").content.decode()
    assert "用户与权限" not in officer_body and "用户与权限" in admin_body
    assert "中仓街道" in officer_body  # top bar shows the officer's street


@pytest.mark.django_db
def test_login_and_logout(client, officer_a):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "登录" in client.get("/login/").content.decode()
    device = enrol(officer_a)
    response = client.post("/login/", {"username": "officer_a", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.get("/")                       # the second factor first (S7)
    assert response.status_code == 302 and response["Location"] == "/two-factor/?next=%2F"
    response = client.post("/two-factor/", {"token": code_for(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # logout is a POST
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_404_page_in_chinese(client_for, officer_a):
    response = client_for(officer_a).get("/persons/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_403_page_in_chinese(client_for, finance):
    response = client_for(finance).get("/persons/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.django_db
def test_person_detail_masks_by_default_and_unmask_is_logged(client_for, officer_a, person_a):
    from tongzhou_care.core.models import AccessLog

    client = client_for(officer_a)
    body = client.get(f"/persons/{person_a.pk}/").content.decode()
    assert person_a.id_number not in body and person_a.phone not in body
    assert person_a.id_number[:6] + "********" + person_a.id_number[-4:] in body
    # A reason is required.
    response = client.post(f"/persons/{person_a.pk}/unmask/", {"reason": ""})
    assert response.status_code == 400 and person_a.id_number not in response.content.decode()
    response = client.post(f"/persons/{person_a.pk}/unmask/", {"reason": "核对理赔材料"})
    assert person_a.id_number in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.reason) == (officer_a, "unmask", "核对理赔材料")
    assert person_a.id_number not in log.target  # no personal data in the log itself


@pytest.mark.django_db
def test_person_search_by_last_four_of_id(client_for, officer_a, street_a):
    wanted = PersonFactory(street=street_a)
    other = PersonFactory(street=street_a)
    body = searched(client_for(officer_a), "/persons/", q=wanted.id_number[-4:]).content.decode()
    assert wanted.name in body and other.name not in body


@pytest.mark.django_db
@pytest.mark.parametrize("path, lit", [
    ("/", "首页"),
    ("/claims/report/", "报案"),          # inside 理赔's /claims/, yet only 报案 lights up
    ("/claims/", "理赔"),
    ("/claims/overdue/", "逾期待办"),
    ("/persons/", "参保对象"),
])
def test_the_menu_lights_up_one_item(client_for, officer_a, path, lit):
    body = client_for(officer_a).get(path).content.decode()
    active = re.findall(r'class="nav-link active"[^>]*>\s*<i[^>]*></i>\s*(\S+)', body)
    assert active == [lit]



@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/claims/", "/persons/", "/service-log/", "/service-log/not-contacted/",
                                  "/complaints/", "/surveys/"])
def test_an_officer_is_offered_no_street_filter(client_for, officer_a, commission_staff, path):
    """An officer has one street: a street filter would offer nothing to choose."""
    street_select = re.compile(r'<select[^>]*name="street"')
    assert not street_select.search(client_for(officer_a).get(path).content.decode())
    assert street_select.search(client_for(commission_staff).get(path).content.decode())
