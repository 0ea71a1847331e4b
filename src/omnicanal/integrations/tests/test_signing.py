"""Standard Webhooks signatures, checked against the specification's own example."""

from omnicanal.integrations import signing

# The example of the Standard Webhooks specification (and Svix's libraries' tests).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_our_signature_is_the_specifications_example():
    assert signing.sign(SECRET, MSG_ID, TIMESTAMP, BODY) == SIGNATURE
    assert signing.headers(SECRET, MSG_ID, TIMESTAMP, BODY) == {
        "webhook-id": MSG_ID, "webhook-timestamp": str(TIMESTAMP), "webhook-signature": SIGNATURE}


def test_verification_accepts_any_listed_signature_and_refuses_a_changed_body_or_id():
    assert signing.verify(SECRET, MSG_ID, str(TIMESTAMP), f"v1,bm90LWl0 {SIGNATURE}", BODY)
    assert not signing.verify(SECRET, MSG_ID, str(TIMESTAMP), SIGNATURE, BODY + b" ")
    assert not signing.verify(SECRET, "msg_other", str(TIMESTAMP), SIGNATURE, BODY)
    assert not signing.verify(SECRET, MSG_ID, str(TIMESTAMP + 1), SIGNATURE, BODY)


def test_a_new_secret_is_whsec_and_32_random_bytes():
    import base64

    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and len(base64.b64decode(first[6:])) == 32 and first != second
