"""Store API sessions and sign-in: tokens, one-time codes, limits, who a code signs in as."""

import datetime as dt

from django.db import transaction

from omnicanal.core import clock
from omnicanal.storefront.models import ShopperSession, SignInCode
from omnicanal.storefront.tests.conftest import STORE, last_code


def test_a_new_session_answers_201_with_a_token_kept_only_as_its_hash(device):
    shopper = device()

    assert shopper.token.startswith("shp_")
    row = ShopperSession.objects.get()
    assert row.token_hash != shopper.token and shopper.token not in row.token_hash
    assert row.customer_id == "" and row.channel == "web"


def test_the_app_channel_is_kept_and_an_unknown_channel_is_422(client, device):
    assert device("app") and ShopperSession.objects.get().channel == "app"
    response = client.post(f"{STORE}/sessions", '{"channel": "fax"}', content_type="application/json")
    assert response.status_code == 422


def test_a_code_request_answers_the_same_for_a_known_and_an_unknown_address(device, ana, inboxes):
    shopper = device()

    known = shopper.post("/sessions/code", {"email": "ana@example.cl"})
    unknown = shopper.post("/sessions/code", {"email": "nobody@example.cl"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_the_code_goes_to_the_address_and_is_stored_only_hashed(device, ana, inboxes):
    shopper = device()
    shopper.post("/sessions/code", {"email": "Ana@Example.cl"})

    code = last_code("ana@example.cl")
    row = SignInCode.objects.get()
    assert row.sent_on == "email"
    assert code not in row.code_hash and "ana@example.cl" not in row.address_key
    assert (row.expires_at - row.created_at).total_seconds() == 600


def test_the_right_code_signs_the_device_in_as_the_customer_and_verifies_the_address(device, ana, inboxes):
    from omnicanal.customers import queries as customers

    shopper = device()

    assert shopper.sign_in(email="ana@example.cl") == ana
    assert ShopperSession.objects.get().customer_id == ana
    identity = [i for i in customers.get_customer(ana).identities.all() if i.kind == "email"][0]
    assert identity.verified


def test_a_phone_code_goes_by_sms_and_signs_in(device, ana, inboxes):
    shopper = device()

    assert shopper.sign_in(phone="+56 9 8765 4321") == ana
    assert SignInCode.objects.count() == 0  # used: gone


def test_a_new_address_creates_its_customer(device, world, inboxes):
    shopper = device()

    customer_id = shopper.sign_in(email="new@example.cl")

    assert customer_id.startswith("cus_") and ShopperSession.objects.get().customer_id == customer_id


def test_a_wrong_code_is_422_and_the_code_works_only_once(device, ana, inboxes):
    shopper = device()
    shopper.post("/sessions/code", {"email": "ana@example.cl"})
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    assert shopper.post("/sessions/verify", {"email": "ana@example.cl", "code": wrong}).status_code == 422
    assert shopper.post("/sessions/verify", {"email": "ana@example.cl", "code": code}).status_code == 200
    again = device()
    assert again.post("/sessions/verify", {"email": "ana@example.cl", "code": code}).status_code == 422


def test_an_expired_code_is_refused(device, ana, inboxes):
    shopper = device()
    shopper.post("/sessions/code", {"email": "ana@example.cl"})
    code = last_code()

    with clock.frozen(clock.now() + dt.timedelta(minutes=11)):
        response = shopper.post("/sessions/verify", {"email": "ana@example.cl", "code": code})

    assert response.status_code == 422


def test_after_five_wrong_codes_the_address_is_locked_with_429_even_for_the_right_code(device, ana, inboxes):
    shopper = device()
    shopper.post("/sessions/code", {"email": "ana@example.cl"})
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    answers = [shopper.post("/sessions/verify", {"email": "ana@example.cl", "code": wrong}).status_code
               for _ in range(5)]
    locked = shopper.post("/sessions/verify", {"email": "ana@example.cl", "code": code})

    assert answers == [422] * 5
    assert locked.status_code == 429 and locked["Retry-After"]
    assert ShopperSession.objects.get().customer_id == ""


def test_code_requests_are_rate_limited_per_address(device, ana, inboxes):
    shopper = device()

    answers = [shopper.post("/sessions/code", {"email": "ana@example.cl"}).status_code for _ in range(6)]

    assert answers == [202] * 5 + [429]


def test_code_requests_are_rate_limited_per_client_address(device, world, inboxes, settings):
    settings.THROTTLES = {**settings.THROTTLES, "one_time_code_send_address": {"max": 3, "per": 3600}}
    shopper = device()

    answers = [shopper.post("/sessions/code", {"email": f"p{i}@example.cl"}).status_code for i in range(4)]

    assert answers == [202, 202, 202, 429]


def test_an_address_and_a_phone_together_or_neither_is_422(device, world):
    shopper = device()

    assert shopper.post("/sessions/code", {}).status_code == 422
    assert shopper.post("/sessions/code", {"email": "a@b.cl", "phone": "+56911111111"}).status_code == 422
    assert shopper.post("/sessions/code", {"email": "not-an-email"}).status_code == 422


def test_an_address_verified_by_another_customer_never_signs_a_signed_in_shopper_in_as_them(device, world, inboxes):
    from omnicanal.customers import queries as customers
    from omnicanal.customers import services as customer_services

    with transaction.atomic():
        other = customer_services.do_identify(channel="web", identities=[
            {"kind": "email", "value": "owner@example.cl", "verified": True}], traits={"name": "Owner"}).customer_id
    shopper = device()
    me = shopper.sign_in(email="me@example.cl")

    asked = shopper.post("/sessions/code", {"email": "owner@example.cl"})
    # Even with the owner's real code (sent to the owner), the signed-in device never becomes them.
    other_device = device()
    other_device.post("/sessions/code", {"email": "owner@example.cl"})
    code = last_code("owner@example.cl")
    pending = SignInCode.objects.get()
    SignInCode.objects.filter(pk=pending.pk).update(session=ShopperSession.objects.get(customer_id=me))
    verified = shopper.post("/sessions/verify", {"email": "owner@example.cl", "code": code})

    assert asked.status_code == 202
    assert verified.status_code == 409
    assert ShopperSession.objects.get(customer_id=me)  # still me
    assert customers.find_by_identity("email", "owner@example.cl").public_id == other
    assert customers.resolve_id(me) == me and customers.resolve_id(other) == other  # nobody merged


def test_a_signed_in_shopper_asking_for_another_customers_address_sends_nothing(device, world, inboxes):
    from omnicanal.conversations.models import Message
    from omnicanal.customers import services as customer_services

    with transaction.atomic():
        customer_services.do_identify(channel="web", identities=[
            {"kind": "email", "value": "owner@example.cl", "verified": True}])
    shopper = device()
    shopper.sign_in(email="me@example.cl")

    assert shopper.post("/sessions/code", {"email": "owner@example.cl"}).status_code == 202
    assert not Message.objects.filter(address="owner@example.cl").exists()


def test_a_new_address_verified_by_a_signed_in_shopper_joins_their_profile(device, world, inboxes):
    from omnicanal.customers import queries as customers

    shopper = device()
    me = shopper.sign_in(email="me@example.cl")

    assert shopper.sign_in(phone="+56987651234") == me
    assert customers.find_by_identity("phone", "+56987651234").public_id == me


def test_the_code_signs_in_only_the_device_that_asked_for_it(device, ana, inboxes):
    asker, stranger = device(), device()
    asker.post("/sessions/code", {"email": "ana@example.cl"})

    response = stranger.post("/sessions/verify", {"email": "ana@example.cl", "code": last_code()})

    assert response.status_code == 422


def test_sign_out_ends_only_this_device(device, ana, inboxes):
    phone, laptop = device(), device()
    phone.sign_in(email="ana@example.cl")
    laptop.sign_in(email="ana@example.cl")

    assert phone.delete("/sessions").status_code == 204

    assert phone.get("/cart").status_code == 401
    assert laptop.get("/cart").status_code == 200


def test_sign_out_everywhere_revokes_every_session_of_the_customer(device, ana, inboxes):
    phone, laptop, stranger = device(), device(), device()
    phone.sign_in(email="ana@example.cl")
    laptop.sign_in(email="ana@example.cl")

    response = phone.post("/sessions/revoke-all")

    assert response.status_code == 200 and response.json() == {"revoked": 2}
    assert phone.get("/orders").status_code == 401
    assert laptop.get("/orders").status_code == 401
    assert stranger.get("/cart").status_code == 200  # an anonymous device is nobody's


def test_sign_out_everywhere_needs_a_signed_in_session(device):
    assert device().post("/sessions/revoke-all").status_code == 401


def test_a_staff_key_is_refused_on_the_store_api(client, issue_key, world):
    key = issue_key("admin")

    assert client.get(f"{STORE}/cart", **key).status_code == 401
    assert client.get(f"{STORE}/orders", **key).status_code == 401


def test_a_shopper_token_is_refused_on_the_staff_api(client, device, ana, inboxes):
    shopper = device()
    shopper.sign_in(email="ana@example.cl")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {shopper.token}"}

    assert client.get(f"/api/v1/customers/{ana}", **auth).status_code == 401
    assert client.get("/api/v1/orders", **auth).status_code == 401


def test_no_token_or_a_forged_one_is_401(client, world):
    assert client.get(f"{STORE}/cart").status_code == 401
    assert client.get(f"{STORE}/cart", HTTP_AUTHORIZATION="Bearer shp_forged").status_code == 401


def test_a_phone_code_goes_on_the_customers_preferred_whatsapp_and_falls_back_to_sms(device, ana, inboxes):
    from omnicanal.customers import services as customer_services

    with transaction.atomic():
        customer_services.do_update_preferences(customer_id=ana, preferred_channels={"transactional": "whatsapp"})
    shopper = device()

    shopper.post("/sessions/code", {"phone": "+56987654321"})

    # No WhatsApp conversation is open and no approved template is configured: free text cannot go
    # there, so the code goes by SMS to the same number.
    assert SignInCode.objects.get().sent_on == "sms"


def test_a_phone_code_uses_the_approved_whatsapp_template_outside_the_window(device, ana, world):
    from omnicanal.channels.services import do_create_inbox
    from omnicanal.conversations.models import Message
    from omnicanal.customers import services as customer_services

    with transaction.atomic():
        do_create_inbox(channel="whatsapp", name="wa", config={
            "sandbox": True, "templates": {"sign_in_code": {"name": "codigo_acceso", "language": "es"}}})
        customer_services.do_update_preferences(customer_id=ana, preferred_channels={"transactional": "whatsapp"})
    shopper = device()

    shopper.post("/sessions/code", {"phone": "+56987654321"})

    assert SignInCode.objects.get().sent_on == "whatsapp"
    template = Message.objects.get(meta__notification="storefront.sign_in_code").meta["template"]
    assert template["name"] == "codigo_acceso" and template["parameters"][0].isdigit()


def test_a_session_token_is_never_kept_for_an_idempotent_replay(client, world):
    from omnicanal.core.models import IdempotencyRecord

    def start():
        return client.post(f"{STORE}/sessions", '{"channel": "web"}', content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="same-key")

    first, second = start(), start()

    # The key is accepted but the answer is not kept: a retry gets a fresh session, never another's token.
    assert first.status_code == second.status_code == 201
    assert first.json()["token"] != second.json()["token"]
    assert first["Cache-Control"] == "no-store"
    assert not any("shp_" in (r.response_body or "") for r in IdempotencyRecord.objects.all())
    assert client.post(f"{STORE}/sessions", '{}', content_type="application/json").status_code == 201
