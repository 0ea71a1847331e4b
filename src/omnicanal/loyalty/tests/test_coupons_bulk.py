"""Many unique coupons at once (a campaign's one per message): loyalty's code rule (`new_code`) and its
bulk writer (`do_create_coupons`): a bounded number of statements whatever the count, the same checks
as the single writer, one audit entry. Statement counts, not timings."""

import math
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omnicanal.core.errors import ValidationFailed
from omnicanal.core.models import AuditEntry
from omnicanal.loyalty.models import Coupon
from omnicanal.loyalty.services import coupons
from omnicanal.loyalty.services.stored_value import CODE_ALPHABET

pytestmark = pytest.mark.django_db

TEN = coupons.Terms(kind="percent", value=Decimal(10))


def test_a_drawn_code_follows_the_one_code_rule():
    codes = {coupons.new_code("mk") for _ in range(200)}
    assert len(codes) == 200
    pattern = re.compile(rf"^MK-[{CODE_ALPHABET}]{{{coupons.DRAWN_CODE_LENGTH}}}$")
    assert all(pattern.match(code) and coupons.CODE.match(code) for code in codes)


@pytest.mark.parametrize("count", [1, 150])
def test_many_coupons_are_made_in_three_statements_whatever_their_number(count):
    # given codes drawn for as many messages
    codes = [coupons.new_code("MK") for _ in range(count)]
    # when they are made at once
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        made = coupons.do_create_coupons(codes=codes, terms=TEN, max_uses=1, name="cmp_1 Marzo")
    # then each code is one single-use coupon with the terms, in three statements: the check that no
    # code is taken, the INSERT (SQLite: one per 999 bound parameters, Django's batch), the audit entry
    sql = [q["sql"] for q in statements.captured_queries]
    inserts = [s for s in sql if s.startswith('INSERT INTO "loyalty_coupon"')]
    fields = [f for f in Coupon._meta.concrete_fields if not f.primary_key]
    assert len(inserts) == math.ceil(count / connection.ops.bulk_batch_size(fields, made))
    assert len(sql) == 2 + len(inserts), [s[:80] for s in sql]
    if connection.vendor == "postgresql":
        assert len(sql) == 3
    assert sorted(c.code for c in made) == sorted(codes)
    rows = Coupon.objects.filter(code__in=codes)
    assert rows.count() == count
    assert set(rows.values_list("kind", "value", "max_uses", "uses", "name")) == {
        ("percent", Decimal(10), 1, 0, "cmp_1 Marzo")}
    assert len(set(rows.values_list("public_id", flat=True))) == count
    entry = AuditEntry.objects.get(action="loyalty.coupon.create_many")
    assert entry.after["count"] == count and sorted(entry.after["codes"]) == sorted(codes)


def test_a_taken_code_refuses_the_whole_call_and_writes_nothing():
    taken = coupons.do_create_coupon(code="MK-TAKEN23456", terms=TEN, max_uses=1).code
    fresh = coupons.new_code("MK")
    with pytest.raises(ValidationFailed) as caught, transaction.atomic():
        coupons.do_create_coupons(codes=[fresh, taken.lower()], terms=TEN)
    assert caught.value.errors[0].field == "codes"
    assert not Coupon.objects.filter(code=fresh).exists()


@pytest.mark.parametrize("codes, field", [
    (["MK-AAAAAAAAAA", "mk-aaaaaaaaaa"], "codes"),  # the same code twice (codes are upper case)
    (["MK AAAA"], "codes"),  # not a code
    ([], "codes"),
])
def test_bad_codes_are_field_errors(codes, field):
    with pytest.raises(ValidationFailed) as caught:
        coupons.do_create_coupons(codes=codes, terms=TEN)
    assert caught.value.errors[0].field == field
    assert not Coupon.objects.exists()


def test_bad_terms_are_checked_as_for_one_coupon():
    with pytest.raises(ValidationFailed) as caught:
        coupons.do_create_coupons(codes=[coupons.new_code("MK")], terms=coupons.Terms(kind="percent", value=Decimal(150)))
    assert caught.value.errors[0].field == "value"
