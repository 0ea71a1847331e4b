from datetime import timedelta
from decimal import Decimal

import pytest

from omnicanal.core import audit, clock
from omnicanal.core.auth import SYSTEM
from omnicanal.core.errors import InsufficientBalance, ValidationFailed
from omnicanal.core.models import AuditEntry, OutboxEvent
from omnicanal.core.money import Money
from omnicanal.loyalty import presence, queries
from omnicanal.loyalty.services import program
from omnicanal.loyalty.services.common import Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def club():
    """1 point per 100 CLP; tiers Base (0), Plata (500.000, ×1.5), Oro (1.500.000, ×2)."""
    program.do_configure_program(name="Club Andes", earn_per=Decimal(100), earn_points=1, point_value=Decimal(1),
                                 points_expire_months=12, expiry_notice_days=30)
    program.do_set_tier(code="base", name="Base", min_spend=Decimal(0))
    program.do_set_tier(code="plata", name="Plata", min_spend=Decimal(500_000), earn_multiplier=Decimal("1.5"))
    program.do_set_tier(code="oro", name="Oro", min_spend=Decimal(1_500_000), earn_multiplier=Decimal(2))
    return program.get_program()


def line(sku, amount, category="", quantity=1):
    return Line(sku=sku, amount=Money.of(amount, "CLP"), quantity=quantity, category=category)


def points(customer_id):
    return queries.summary(customer_id).points


def test_a_paid_order_earns_points_per_amount_spent(club, cus):
    ana = cus()
    program.do_earn_for_order(customer_id=ana, order_ref="ord-1", lines=[line("ZAP-1", 45_990)], channel="web")
    assert points(ana) == 459
    assert OutboxEvent.objects.filter(topic="loyalty.PointsEarned").count() == 1


def test_the_same_order_earns_once(club, cus):
    ana = cus()
    for _ in range(2):
        program.do_earn_for_order(customer_id=ana, order_ref="ord-2", lines=[line("ZAP-1", 10_000)], channel="pos")
    assert points(ana) == 100


def test_replaying_an_order_after_its_customer_changed_tier_answers_the_first_earn(club, cus):
    # given an order earned at Base, then a big order lifting the customer to Plata
    ana = cus()
    first = program.do_earn_for_order(customer_id=ana, order_ref="ord-3", lines=[line("ZAP-1", 10_000)], channel="web")
    program.do_earn_for_order(customer_id=ana, order_ref="ord-4", lines=[line("BICI", 600_000)], channel="web")
    assert queries.summary(ana).tier.code == "plata"
    # when the first order's payment is handled again (a redelivered event)
    again = program.do_earn_for_order(customer_id=ana, order_ref="ord-3", lines=[line("ZAP-1", 10_000)], channel="web")
    # then it answers the first earn (×1, not requoted at ×1.5 and refused as a conflict), nothing more
    assert again.pk == first.pk and again.amount == 100
    assert points(ana) == 100 + 6000
    assert OutboxEvent.objects.filter(topic="loyalty.PointsEarned").count() == 2


def test_earning_on_many_paid_orders_at_once_gives_what_earning_on_each_gives(club, cus):
    # given the same three orders for two pairs of customers: the big one lifts its customer to Plata
    orders = [("big", 600_000), ("next", 10_000), ("small", 4_990)]
    one_by_one, batched, other = cus(), cus(), cus()
    for ref, amount in orders:
        program.do_earn_for_order(customer_id=one_by_one, order_ref=f"a-{ref}", lines=[line("X", amount)], channel="web")
    # when the other pair's orders are earned in one batch, one of them named twice
    batch = [program.PaidOrder(customer_id=c, order_ref=f"{c}-{ref}", lines=[line("X", amount)], channel="web")
             for ref, amount in orders for c in (batched, other)]
    transfers = program.do_earn_for_orders([*batch, batch[-1]])
    # then each customer holds what one call per order gives (the order after the big one earns ×1.5),
    # with the same tier, one transfer per order and one PointsEarned each
    assert points(batched) == points(other) == points(one_by_one) == 6000 + 150 + 74
    assert queries.summary(batched).tier.code == queries.summary(one_by_one).tier.code == "plata"
    assert transfers[-1].pk == transfers[-2].pk and len({t.pk for t in transfers}) == 6
    assert OutboxEvent.objects.filter(topic="loyalty.PointsEarned").count() == 9
    assert queries.books_problems() == []


def test_category_multipliers_apply_in_every_channel_unless_scoped(club, cus):
    program.do_add_rule(kind="category", name="Running x2", category="running", multiplier=Decimal(2))
    program.do_add_rule(kind="category", name="App camping x3", category="camping", multiplier=Decimal(3), channels=["app"])
    store, online = cus(), cus()
    lines = [line("ZAP-1", 10_000, "running"), line("CARPA-1", 10_000, "camping")]
    program.do_earn_for_order(customer_id=store, order_ref="o-store", lines=lines, channel="pos")
    program.do_earn_for_order(customer_id=online, order_ref="o-app", lines=lines, channel="app")
    assert points(store) == 200 + 100  # running ×2 in the store too; camping's ×3 is the app's only
    assert points(online) == 200 + 300


def test_tiers_follow_twelve_month_spend_and_multiply_earning(club, cus):
    ana = cus()
    program.do_earn_for_order(customer_id=ana, order_ref="big", lines=[line("BICI", 600_000)], channel="web")
    assert queries.summary(ana).tier.code == "plata"
    assert OutboxEvent.objects.filter(topic="loyalty.TierChanged").exists()
    program.do_earn_for_order(customer_id=ana, order_ref="next", lines=[line("ZAP", 10_000)], channel="pos")
    assert points(ana) == 6000 + 150  # Plata earns ×1.5
    # a year and a day later the spend has left the window and she is Base again
    with clock.frozen(clock.now() + timedelta(days=366)):
        program.do_refresh_tiers()
        assert queries.summary(ana).tier.code == "base"


def test_imported_past_spend_places_the_tier_once_and_earns_no_points(club, cus):
    ana, now = cus(), clock.now()
    past = [program.PastSpend(reference="order:ord-old", amount=Money.of(700_000), at=now - timedelta(days=200)),
            program.PastSpend(reference="order:ord-gone", amount=Money.of(900_000), at=now - timedelta(days=400)),
            program.PastSpend(reference="return:ord-old:ret-1", amount=Money.of(-100_000), at=now - timedelta(days=190))]
    program.do_import_spend(customer_id=ana, spends=past)
    assert queries.summary(ana).tier.code == "plata"  # 700.000 - 100.000 in the window; the older one left it
    assert points(ana) == 0
    program.do_import_spend(customer_id=ana, spends=past)  # the same history again counts once
    # ... and so does the order when its own earn arrives later under the same key
    program.do_earn_for_order(customer_id=ana, order_ref="ord-old", lines=[line("BICI", 700_000)], channel="web")
    assert program.spend_12m(ana) == Decimal(600_000)
    program.do_import_spend(customer_id=ana, spends=[
        program.PastSpend(reference="order:ord-new", amount=Money.of(900_000), at=now - timedelta(days=1))])
    assert queries.summary(ana).tier.code == "oro"


def test_imported_spend_may_earn_the_years_points_once_at_the_base_rate(club, cus):
    ana, now = cus(), clock.now()
    past = [program.PastSpend(reference="order:a", amount=Money.of(600_050), at=now - timedelta(days=30)),
            program.PastSpend(reference="order:b", amount=Money.of(90_000), at=now - timedelta(days=500))]
    program.do_import_spend(customer_id=ana, spends=past, earn_points=True)
    program.do_import_spend(customer_id=ana, spends=past, earn_points=True)
    assert points(ana) == 6000  # 1 per 100 of the last 12 months, no Plata multiplier, once
    assert queries.books_problems() == []


def test_importing_past_spend_without_a_programme_does_nothing(cus):
    assert program.do_import_spend(customer_id=cus(), spends=[]) is None


def test_a_return_takes_back_points_in_proportion(club, cus):
    ana = cus()
    program.do_earn_for_order(customer_id=ana, order_ref="o-r", lines=[line("A", 30_000), line("B", 10_000)], channel="web")
    assert points(ana) == 400
    result = program.do_reverse_earn_for_return(order_ref="o-r", return_ref="ret-1", amount=Money.of(10_000))
    assert (result.points, result.shortfall) == (100, 0)
    assert points(ana) == 300
    # the same return again changes nothing
    program.do_reverse_earn_for_return(order_ref="o-r", return_ref="ret-1", amount=Money.of(10_000))
    assert points(ana) == 300
    assert queries.books_problems() == []


def test_a_return_after_the_points_were_spent_never_goes_below_zero(club, cus):
    from omnicanal.loyalty.services import payments

    ana = cus()
    program.do_earn_for_order(customer_id=ana, order_ref="o-s", lines=[line("A", 20_000)], channel="web")
    payments.do_hold_payment(payment="p-s", method="points", amount=Money.of(150), order_ref="o-t", customer_id=ana, presence=presence.session(ana))
    payments.do_capture_payment(payment="p-s")
    result = program.do_reverse_earn_for_return(order_ref="o-s", return_ref="all", amount=Money.of(20_000))
    assert (result.points, result.shortfall) == (50, 150)
    assert points(ana) == 0


def test_activities_earn_points_and_coins_with_limits(club, cus):
    program.do_add_rule(kind="activity", name="Reseña", activity="review", reward=50)
    program.do_add_rule(kind="activity", name="Perfil", activity="profile", reward=200, max_per_customer=1)
    program.do_add_rule(kind="activity", name="Ruleta", activity="game", reward=30, unit="COIN")
    ana = cus()
    program.do_earn_activity(customer_id=ana, activity="review", reference="rev-1")
    program.do_earn_activity(customer_id=ana, activity="review", reference="rev-1")  # same review: once
    program.do_earn_activity(customer_id=ana, activity="profile", reference="p1")
    with pytest.raises(ValidationFailed):
        program.do_earn_activity(customer_id=ana, activity="profile", reference="p2")
    program.do_earn_activity(customer_id=ana, activity="game", reference="g1", amount=12)
    summary = queries.summary(ana)
    assert (summary.points, summary.coins) == (250, 12)


def test_a_manual_adjustment_needs_a_reason_and_is_audited(club, cus):
    ana = cus()
    with pytest.raises(ValidationFailed):
        program.do_adjust(customer_id=ana, kind="points", amount=100, reason=" ", actor=SYSTEM)
    program.do_adjust(customer_id=ana, kind="points", amount=100, reason="Compensación por demora", actor=SYSTEM)
    with pytest.raises(InsufficientBalance):
        program.do_adjust(customer_id=ana, kind="points", amount=-101, reason="error", actor=SYSTEM)
    program.do_adjust(customer_id=ana, kind="points", amount=-40, reason="Duplicado", actor=SYSTEM)
    assert points(ana) == 60
    entries = AuditEntry.objects.filter(action="loyalty.adjust").order_by("at", "id")
    assert [audit.reason_of(e) for e in entries] == ["Compensación por demora", "Duplicado"]


def test_customers_hear_before_points_expire_and_then_they_expire(club, cus):
    ana = cus()
    start = clock.now()
    program.do_earn_for_order(customer_id=ana, order_ref="o-e", lines=[line("A", 10_000)], channel="web")
    with clock.frozen(start + timedelta(days=340)):
        assert program.do_notify_expiring() == 1
        assert program.do_notify_expiring() == 0  # once per lot
    with clock.frozen(start + timedelta(days=370)):
        assert program.do_expire_points() == 1
    assert points(ana) == 0
    topics = list(OutboxEvent.objects.filter(topic__startswith="loyalty.PointsExp").values_list("topic", flat=True))
    assert sorted(topics) == ["loyalty.PointsExpired", "loyalty.PointsExpiring"]
    assert queries.books_problems() == []


def test_importing_many_histories_at_once_is_the_same_as_one_at_a_time(club, cus):
    ana, ben, eva, now = cus(), cus(), cus(), clock.now()
    histories = {
        ana: [program.PastSpend(reference="order:a1", amount=Money.of(700_000), at=now - timedelta(days=20))],
        ben: [program.PastSpend(reference="order:b1", amount=Money.of(1_600_000), at=now - timedelta(days=5)),
              program.PastSpend(reference="return:b1:r1", amount=Money.of(-50_000), at=now - timedelta(days=2))],
        eva: [program.PastSpend(reference="order:e1", amount=Money.of(90_000), at=now - timedelta(days=500))],
    }
    assert program.do_import_spends(histories=histories, earn_points=True) == 3
    assert program.do_import_spends(histories=histories, earn_points=True) == 3  # again: counts once
    assert [queries.summary(c).tier.code for c in (ana, ben, eva)] == ["plata", "oro", "base"]
    assert [points(c) for c in (ana, ben, eva)] == [7000, 15500, 0]
    changed = OutboxEvent.objects.filter(topic="loyalty.TierChanged").values_list("payload", flat=True)
    assert sorted((p["customer_id"], p["new_tier"]) for p in changed) == sorted([(ana, "plata"), (ben, "oro")])
    assert OutboxEvent.objects.filter(topic="loyalty.PointsEarned").count() == 2
    assert queries.books_problems() == []
