import pytest
from django.test import override_settings

from omnicanal.customers.normalize import InvalidIdentity, contact_channel, normalize


@pytest.mark.parametrize("typed", ["9 8765 4321", "+56987654321", "56 9 8765-4321", "+56 9 8765 4321",
                                   "0056987654321", "(9) 8765-4321", "09 8765 4321", "56987654321"])
def test_a_chilean_mobile_in_any_format_is_one_e164_number(typed):
    assert normalize("phone", typed) == "+56987654321"
    assert normalize("whatsapp", typed) == "+56987654321"


def test_the_default_region_comes_from_the_business_country():
    with override_settings(OMNICANAL={"COUNTRY": "AR"}):
        assert normalize("phone", "11 2345-6789") == "+541123456789"


@pytest.mark.parametrize("bad", ["12", "9 8765", "hello", "+56 2", ""])
def test_what_cannot_be_a_phone_is_refused(bad):
    with pytest.raises(InvalidIdentity):
        normalize("phone", bad)


def test_emails_are_validated_without_dns_and_lower_cased():
    assert normalize("email", "  Ana.Rojas@GMAIL.com ") == "ana.rojas@gmail.com"
    assert normalize("email", "ana@empresa-que-no-existe-123.cl") == "ana@empresa-que-no-existe-123.cl"
    for bad in ["ana", "ana@", "ana@@x.cl", "ana @x.cl"]:
        with pytest.raises(InvalidIdentity):
            normalize("email", bad)


@pytest.mark.parametrize("kind", ["telegram", "webchat", "app_device", "loyalty_card", "pos_customer", "marketplace",
                                  "instagram", "facebook"])
def test_other_ids_are_kept_as_given(kind):
    assert normalize(kind, "  AbC-123_x ") == "AbC-123_x"


def test_unknown_kinds_and_channels():
    with pytest.raises(InvalidIdentity):
        normalize("fax", "1")
    assert contact_channel("phone") == "voice" and contact_channel("app") == "push"
    assert contact_channel("pigeon") is None


def test_a_loyalty_card_scanned_at_the_pos_brings_the_app_visitor_home(identify, customer):
    identify("pos", ("phone", "+56987654321"), ("loyalty_card", "7001234"))
    visitor = identify("app", ("app_device", "dev-9")).customer
    result = identify("pos", ("app_device", "dev-9"), ("loyalty_card", "7001234"))
    assert result.customer_id == customer.public_id and result.merged_ids == (visitor.public_id,)
