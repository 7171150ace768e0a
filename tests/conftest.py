import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import PersonFactory, make_user, street
from tongzhou_care.core.models import Role


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or "django_db_setup" in item.fixturenames


def pytest_collection_modifyitems(config, items):
    """Rule tests (modules test_*rules.py, or marked `rules`) are pure: `scripts/test --rules`
    runs them alone, without PostgreSQL, a browser or LibreOffice."""
    for item in items:
        if item.path.name == "test_rules.py" or item.path.name.endswith("_rules.py"):
            item.add_marker(pytest.mark.rules)


def pytest_collection_finish(session):
    """A database test among the rule tests, or one selected without a database, stops the run
    with the reason (instead of a connection error per test)."""
    items = session.items
    impure = [item.nodeid for item in items if item.get_closest_marker("rules") and _uses_database(item)]
    if impure:
        raise pytest.UsageError("rule tests must not use the database: " + ", ".join(impure))
    if getattr(django_settings, "NO_DATABASE", False):
        needing = [item.nodeid for item in items if _uses_database(item)]
        if needing:
            raise pytest.UsageError(f"{len(needing)} selected tests need PostgreSQL (e.g. {needing[0]}): "
                                    "run them with scripts/test, or only the rule tests with scripts/test --rules")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploaded documents and job results of a test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def street_a(db):
    return street("001")  # 中仓街道


@pytest.fixture
def street_b(db):
    return street("104")  # 宋庄镇


@pytest.fixture
def officer_a(street_a):
    return make_user(Role.STREET_OFFICER, username="officer_a", street_obj=street_a)


@pytest.fixture
def officer_b(street_b):
    return make_user(Role.STREET_OFFICER, username="officer_b", street_obj=street_b)


@pytest.fixture
def commission_admin(db):
    return make_user(Role.COMMISSION_ADMIN, username="comm_admin")


@pytest.fixture
def commission_staff(db):
    return make_user(Role.COMMISSION_STAFF, username="comm_staff")


@pytest.fixture
def insurer_staff(db):
    return make_user(Role.INSURER_STAFF, username="insurer_staff")


@pytest.fixture
def finance(db):
    return make_user(Role.FINANCE, username="finance_user")


@pytest.fixture
def person_a(street_a):
    return PersonFactory(street=street_a, name="张桂英")


@pytest.fixture
def person_b(street_b):
    return PersonFactory(street=street_b, name="李秀兰")


@pytest.fixture
def client_for(db):
    """client_for(user) returns a new test client logged in as that user, past the second
    factor (S7: tests/two_factor.py; the login itself is tested with real codes)."""
    from tests.two_factor import verified

    def login(user):
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return verified(client, user)
    return login
