"""Property tests of resolution and merge (bounded: a few dozen examples each)."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicanal.customers import queries, registry
from omnicanal.customers.models import Consent, Customer, Identity, MergeRecord, TimelineEvent
from omnicanal.customers.services import (
    do_append_timeline,
    do_grant_consent,
    do_identify,
    do_merge_customers,
    do_withdraw_consent,
)

pytestmark = pytest.mark.django_db
BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PHONE_FORMATS = ["9 8765 4321", "+56987654321", "56 9 8765-4321", "+56 9 8765 4321", "0056987654321", "987654321"]
EMAIL_FORMATS = ["ana.rojas@example.cl", "ANA.ROJAS@EXAMPLE.CL", " Ana.Rojas@Example.cl "]
# One person's identities: (kind, formats it may be written in, channel that carries it).
PERSON = [
    ("email", EMAIL_FORMATS, "web"),
    ("phone", PHONE_FORMATS, "pos"),
    ("whatsapp", PHONE_FORMATS, "whatsapp"),
    ("telegram", ["tg-778899"], "telegram"),
    ("loyalty_card", ["7001234"], "pos"),
    ("webchat", ["wc-abc"], "webchat"),
    ("app_device", ["dev-42"], "app"),
]


class Rollback(Exception):
    pass


def in_rolled_back_transaction(func):
    try:
        with transaction.atomic():
            func()
            raise Rollback
    except Rollback:
        pass


@st.composite
def connected_calls(draw):
    """Subsets of the person's identities whose overlaps connect them all, in any order."""
    indexes = list(range(len(PERSON)))
    calls = [draw(st.lists(st.sampled_from(indexes), min_size=1, max_size=3, unique=True))]
    covered = set(calls[0])
    while covered != set(indexes):
        bridge = draw(st.sampled_from(sorted(covered)))
        new = draw(st.lists(st.sampled_from(sorted(set(indexes) - covered)), min_size=1, max_size=2, unique=True))
        calls.append([bridge, *new])
        covered |= set(new)
    calls = draw(st.permutations(calls))
    rendered = []
    for call in calls:
        identities = []
        for index in call:
            kind, formats, _channel = PERSON[index]
            # Each identifier proven (a login, the channel's own sender id): any one of them may turn
            # out to be the only link between two profiles, and unverified links go to staff.
            identities.append({"kind": kind, "value": draw(st.sampled_from(formats)), "verified": True})
        rendered.append((PERSON[call[0]][2], identities))
    return rendered


@BOUNDED
@given(calls=connected_calls())
def test_any_order_of_one_persons_identify_calls_ends_in_one_customer(calls):
    def run():
        for channel, identities in calls:
            with transaction.atomic():
                do_identify(channel=channel, identities=identities)
        owners = {queries.resolve_id(c.public_id) for c in Customer.objects.filter(identities__isnull=False)}
        assert len(owners) == 1
        assert Customer.objects.filter(merged_into__isnull=True).count() == 1

    in_rolled_back_transaction(run)


CONFLICT_KINDS = {"email": ("a@example.cl", "b@example.cl"), "phone": ("+56976543210", "+56961234567"),
                  "telegram": ("tg-1", "tg-2"), "loyalty_card": ("7001", "7002")}


@BOUNDED
@given(
    kind=st.sampled_from(sorted(CONFLICT_KINDS)),
    calls=st.lists(
        st.lists(st.tuples(st.sampled_from(["a", "b", "shared_1", "shared_2", "anon"]), st.booleans()),
                 min_size=1, max_size=4),
        min_size=1, max_size=5,
    ),
)
def test_profiles_with_different_verified_identities_of_one_kind_never_auto_merge(kind, calls):
    first, second = CONFLICT_KINDS[kind]
    pool = {"a": (kind, first), "b": (kind, second), "shared_1": ("email" if kind != "email" else "phone",
            "+56932109876" if kind == "email" else "s1@example.cl"), "shared_2": ("instagram", "ig.shared"),
            "anon": ("webchat", "wc-1")}

    def run():
        with transaction.atomic():
            do_identify(channel="web", identities=[{"kind": kind, "value": first, "verified": True}])
            do_identify(channel="web", identities=[{"kind": kind, "value": second, "verified": True}])
        for call in calls:
            identities = [{"kind": pool[name][0], "value": pool[name][1], "verified": verified} for name, verified in call]
            with transaction.atomic():
                do_identify(channel="web", identities=identities)
        owner_a = queries.find_by_identity(kind, first)
        owner_b = queries.find_by_identity(kind, second)
        assert owner_a.pk != owner_b.pk
        assert not MergeRecord.objects.filter(survivor__in=[owner_a, owner_b], merged__in=[owner_a, owner_b]).exists()

    in_rolled_back_transaction(run)


moved_rows: dict[str, list[str]] = {}


def move_test_rows(*, survivor_id: str, merged_id: str) -> None:
    moved_rows.setdefault(survivor_id, []).extend(moved_rows.pop(merged_id, []))


@pytest.fixture
def test_domain():
    """A stand-in for a later domain (orders, carts…) that registers a merge hook."""
    registry.on_merge(move_test_rows)
    moved_rows.clear()
    yield moved_rows
    registry._merge_hooks.pop(registry._name(move_test_rows), None)


profile = st.fixed_dictionaries({
    "identities": st.lists(st.sampled_from(["email", "telegram", "loyalty_card", "webchat", "instagram"]),
                           min_size=1, max_size=4, unique=True),
    "consents": st.lists(st.tuples(st.sampled_from(["email", "sms", "whatsapp"]),
                                   st.sampled_from(["marketing", "surveys", "transactional"]), st.booleans()),
                         max_size=4, unique_by=lambda t: t[:2]),
    "events": st.integers(min_value=0, max_value=4),
    "rows": st.integers(min_value=0, max_value=3),
})


def build(tag: str, spec: dict):
    identities = [{"kind": kind, "value": f"{tag}@example.cl" if kind == "email" else f"{tag}-{kind}"}
                  for kind in spec["identities"]]
    found = do_identify(channel="web", identities=identities, traits={"name": f"Person {tag}"})
    customer = Customer.objects.get(public_id=found.customer_id)
    for channel, purpose, granted in spec["consents"]:
        (do_grant_consent if granted else do_withdraw_consent)(
            customer=customer, channel=channel, purpose=purpose, source="test")
    for n in range(spec["events"]):
        do_append_timeline(customer_id=customer.public_id, type="order.placed", channel="web", summary=f"#{n}")
    moved_rows.setdefault(customer.public_id, []).extend(f"{tag}-row-{n}" for n in range(spec["rows"]))
    return customer


def attached(customer) -> dict:
    return {
        "identities": Identity.objects.filter(customer=customer).count(),
        "consent_keys": set(Consent.objects.filter(customer=customer).values_list("channel", "purpose")),
        "timeline": TimelineEvent.objects.filter(customer=customer).count(),
        "rows": len(moved_rows.get(customer.public_id, [])),
    }


@BOUNDED
@given(a=profile, b=profile)
def test_a_merge_conserves_everything_attached(test_domain, a, b):
    def run():
        with transaction.atomic():
            first, second = build("a", a), build("b", b)
            before_a, before_b = attached(first), attached(second)
            survivor = do_merge_customers(survivor=first, other=second)
        after = attached(survivor)
        assert after["identities"] == before_a["identities"] + before_b["identities"]
        assert after["consent_keys"] == before_a["consent_keys"] | before_b["consent_keys"]
        assert after["timeline"] == before_a["timeline"] + before_b["timeline"] + 1  # + the merge itself
        assert after["rows"] == before_a["rows"] + before_b["rows"]
        assert queries.resolve_id(second.public_id) == survivor.public_id

    moved_rows.clear()
    in_rolled_back_transaction(run)


@BOUNDED
@given(a=profile, b=profile, order=st.sampled_from(["ab", "ba", "aa"]))
def test_merge_is_idempotent(test_domain, a, b, order):
    def run():
        with transaction.atomic():
            first, second = build("a", a), build("b", b)
            survivor = do_merge_customers(survivor=first, other=second)
            state = (attached(survivor), MergeRecord.objects.count(), TimelineEvent.objects.count())
            # merging again, either way round, or a customer into itself, changes nothing
            pair = {"ab": (first, second), "ba": (second, first), "aa": (first, first)}[order]
            again = do_merge_customers(survivor=pair[0].public_id, other=pair[1].public_id)
        assert again.pk == survivor.pk
        assert (attached(survivor), MergeRecord.objects.count(), TimelineEvent.objects.count()) == state

    moved_rows.clear()
    in_rolled_back_transaction(run)
