"""factory_boy factories: valid ID numbers, plausible names, users of every role."""

import itertools
from datetime import date
from decimal import Decimal

import factory

from enrollment.demo import FEMALE_GIVEN, MALE_GIVEN, SURNAMES
from enrollment.models import Person, Policy, SchemeYear
from enrollment.rules import make_id_number
from tongzhou_care.core.models import Insurer, Role, Street, User
from tongzhou_care.core.services import user_save

TEST_PASSWORD = "Test-Passw0rd-2026"
_id_sequence = itertools.count(1)


def street(code_suffix: str = "001") -> Street:
    """One of the 22 streets loaded by migration, by the 3 digits of its code."""
    return Street.objects.get(code=f"110112{code_suffix}000")


def unique_id_number(birth: date, male: bool) -> str:
    n = next(_id_sequence)
    area = f"1101{n // 500 % 100:02d}"
    sequence = (n % 499) * 2 + (1 if male else 2)
    return make_id_number(area, birth, sequence)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    sex = factory.Iterator(["M", "F"])
    birth_date = factory.Sequence(lambda n: date(1945 + n % 20, 1 + n % 12, 1 + n % 28))
    name = factory.LazyAttributeSequence(
        lambda o, n: SURNAMES[n % len(SURNAMES)]
        + (MALE_GIVEN if o.sex == "M" else FEMALE_GIVEN)[n % 30]
        + "一二三四五六七八九十"[n // 30 % 10]
    )
    id_number = factory.LazyAttribute(lambda o: unique_id_number(o.birth_date, o.sex == "M"))
    street = factory.LazyFunction(lambda: street("001"))
    community = "运河社区"
    address = "新华大街1号"
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    bank_name = "北京农商银行"
    bank_account = factory.Sequence(lambda n: f"6210{n:012d}")


def make_user(role: str, *, username: str | None = None, street_obj: Street | None = None,
              insurer: Insurer | None = None, password: str = TEST_PASSWORD) -> User:
    """A user saved through the real service, so groups follow the role matrix."""
    if role == Role.INSURER_STAFF and insurer is None:
        insurer, _ = Insurer.objects.get_or_create(name="测试保险公司", defaults={"hotline": "95500"})
    user = User(username=username or f"{role}_{next(_id_sequence)}", role=role,
                full_name=f"测试{Role(role).label}", street=street_obj, insurer=insurer)
    return user_save(user=user, actor=None, password=password)


class SchemeYearFactory(factory.django.DjangoModelFactory):
    """A scheme year; each factory call gets its own calendar year so windows never overlap."""

    class Meta:
        model = SchemeYear

    name = factory.Sequence(lambda n: f"{2030 + n}年度")
    insurer = factory.LazyFunction(
        lambda: Insurer.objects.get_or_create(name="测试保险公司", defaults={"hotline": "95500"})[0])
    contract_number = factory.Sequence(lambda n: f"TZWJW-{2030 + n}-01")
    tender_date = factory.Sequence(lambda n: date(2029 + n, 11, 20))
    coverage_start = factory.Sequence(lambda n: date(2030 + n, 1, 1))
    coverage_end = factory.LazyAttribute(lambda o: date(o.coverage_start.year, 12, 31))
    premium_per_person = Decimal("280.00")
    daily_subsidy = Decimal("300.00")


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    scheme_year = factory.SubFactory(SchemeYearFactory)
    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"TZ2030-{n:06d}")
    cover_start = factory.LazyAttribute(lambda o: o.scheme_year.coverage_start)
    cover_end = factory.LazyAttribute(lambda o: o.scheme_year.coverage_end)
    day_cap = factory.LazyAttribute(lambda o: o.scheme_year.day_cap)


def uploaded_file(kind: str = "pdf", name: str | None = None):
    """A small real file of the given type, as an upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    if kind in ("jpg", "png"):        # a real picture: photos are opened (and reduced) when stored
        out = io.BytesIO()
        Image.new("RGB", (64, 48), "white").save(out, "JPEG" if kind == "jpg" else "PNG")
        return SimpleUploadedFile(name or f"scan.{kind}", out.getvalue(),
                                  content_type="image/jpeg" if kind == "jpg" else "image/png")
    contents = {
        "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"),
        "exe": (b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"),
    }
    data, content_type = contents[kind]
    return SimpleUploadedFile(name or f"scan.{kind}", data, content_type=content_type)
