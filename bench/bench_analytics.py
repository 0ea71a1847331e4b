"""Analytics at scale: the dashboard's KPIs for a year at 1M orders, 200k customers and 500k messages.

    make bench BENCH_ARGS=analytics
    .venv/bin/python bench/bench_analytics.py --orders 1000000 --runs 30

PostgreSQL only (DATABASE_URL's server, database omnicanal_bench_analytics, created and dropped by
the bench; --keep keeps it). The bulk data goes straight into the tables with generate_series (one
INSERT … SELECT per table: orders, lines, fulfilments with their history and promise, customers,
conversations, messages); the rollups are built in bulk by SQL that mirrors analytics.services
(orders, revenue, method:<delivery>, ship_from_store per UTC hour, day and month × channel × location, the
cancellations, and analytics.order_rollups' metrics: units, known-customer and cross-channel orders,
cycle-time histograms, on-time due/kept; and the customers' hours and months, CustomerHour and
CustomerMonth; the customers' day packs by analytics.day_packs' own builder), except for the last
--sample orders, which the real handler (analytics.handlers.count_orders_placed, one transaction per
event, as the outbox runs it: the count and order_rollups' sync) counts: that is the rollup's cost
per event. Measured, p50/p99 over --runs:

- the dashboard's rollup KPIs for a year (the additive cards, charts by channel: queries' `_additive`
  for the period and the previous one) beside a ceiling, the same GROUP BY through a bare cursor;
  goal <= 300 ms;
- the whole dashboard (both reports, the period and the one before, and every card and table
  `dashboard.tables` builds) for --report-days (a year by default), without filters and with a
  channel and a store, and GET /api/v1/analytics/kpis for the same period (in process, Django's
  test client), --report-runs each; goal <= 300 ms (the order KPIs come from the rollups, the
  conversation KPIs from their cells: docs/analytics.md); the unfiltered year cold (no decoded
  day pack in the process's memo) and warm, and a year of whole days that are not whole months (the
  console's "last 365 days"), with the CPU time of the process and its backend beside; then the
  customers' table alone, day packs against the SQL it replaces (CustomerMonth, CustomerHour);
- the handler per event beside a ceiling: the same nine cell UPDATEs (three metrics × hour, day, month) alone in a transaction;
- the conversation KPIs for a year and the year before from their cells (built in bulk by SQL that
  mirrors analytics.conversation_kpis.metrics_of, but for the last --sample conversations, which the
  real batch handler recounts, priced per event), beside the same from conversations' facts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

DB_NAME = "omnicanal_bench_analytics"
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)
STORES = 20
GOAL_MS = 300.0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench_analytics", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sample", type=int, default=1000, help="orders counted by the real handler")
    parser.add_argument("--report-days", type=int, default=365, help="the whole dashboard's and API's period")
    parser.add_argument("--report-runs", type=int, default=3, help="runs of the whole report and the API call")
    parser.add_argument("--db", default=DB_NAME, help="the bench's database (its own name per helper)")
    parser.add_argument("--skip-facts", action="store_true", help="no conversation KPIs from the facts (slow at "
                                                                     "full scale: the before figure)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure a database a --keep run left (no seeding, "
                                                             "no handler run)")
    return parser.parse_args(argv)


def _setup(reuse: bool = False, db: str = DB_NAME) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omnicanal.web.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-000000000000")
    os.environ.setdefault("OMNICANAL_VAR", tempfile.mkdtemp(prefix="omnicanal-bench-var-"))
    os.environ.setdefault("OMNICANAL_ENV", "development")
    os.environ["DB_POOL_SIZE"] = "0"
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    server = base.rsplit("/", 1)[0]
    import psycopg

    if not reuse:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')
    os.environ["DATABASE_URL"] = f"{server}/{db}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    return server


def _drop(server: str, db: str = DB_NAME) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _sql(statement: str, params: dict | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if params:  # the driver formats: a modulo is written %%
            cursor.execute(statement.replace(" % ", " %% "), params)
        else:
            cursor.execute(statement)


def _timed(label: str, fn) -> float:
    t0 = time.perf_counter()
    fn()
    took = time.perf_counter() - t0
    print(f"  {label}: {took:.1f} s", flush=True)
    return took


# --- the data ------------------------------------------------------------------------------------

def _locations() -> None:
    from django.core.management import call_command
    from django.db import transaction

    from omnicanal.catalog import services as catalog
    from omnicanal.inventory import services as inventory

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        catalog.do_ensure_default_channels()
        inventory.do_create_location(code="WH", name="Bodega", kind="warehouse", capabilities=["ship"])
        for n in range(1, STORES + 1):
            inventory.do_create_location(code=f"S{n:02d}", name=f"Tienda {n}", kind="store",
                                         capabilities=["ship", "pickup", "curbside", "returns"])


# Order i (1..N): placed evenly over the year; delivery method by i % 4 (ship, pickup, curbside,
# carry-out at the till); channel web/app (pos for carry-out); store S01..S20 by i % 20; a ship
# leaves from the warehouse, or from the store every third one; every 50th order is cancelled.
ORDERS_SQL = """
INSERT INTO orders_order (id, public_id, channel, customer_id, status, delivery_method, delivery_location,
  contact, currency, subtotal, shipping, discount, total, tax, tax_lines, coupon, cart_id, sourcing, placed_by,
  placed_at, paid_at, cancelled_at, cancel_reason, cancel_cause)
SELECT i, 'ord_b' || i,
  CASE WHEN i % 4 = 3 THEN 'pos' WHEN (i / 4) % 2 = 0 THEN 'web' ELSE 'app' END,
  'cus_b' || (i % %(customers)s), CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'completed' END,
  (ARRAY['ship', 'pickup', 'curbside', 'carry_out'])[1 + i % 4],
  CASE WHEN i % 4 = 0 THEN '' ELSE 'S' || lpad((1 + i % 20)::text, 2, '0') END,
  '{}'::jsonb, 'CLP', 5000 + (i % 50) * 1000, 0, 0, 5000 + (i % 50) * 1000, 0, '[]'::jsonb, '', '', '{}'::jsonb,
  'bench', %(start)s + make_interval(secs => (i - 1)::float8 * %(span)s / %(n)s),
  %(start)s + make_interval(secs => (i - 1)::float8 * %(span)s / %(n)s),
  CASE WHEN i % 50 = 0 THEN %(start)s + make_interval(secs => (i - 1)::float8 * %(span)s / %(n)s + 3600) END,
  CASE WHEN i % 50 = 0 THEN 'customer' ELSE '' END, CASE WHEN i % 50 = 0 THEN 'customer_request' ELSE '' END
FROM generate_series(1, %(n)s) AS i
"""
LINES_SQL = """
INSERT INTO orders_orderline (id, order_id, sku, title, category, quantity, unit_price, discount, total, cancelled,
  returned)
SELECT id, id, 'SKU-' || (id % 500), 'Producto', 'bench', 1, total, 0, total, 0, 0 FROM orders_order
"""
# One fulfilment per order, its history stamped as the state machine does (ready or shipped 3 hours
# after placing, picked up or delivered a day later; a third of the shipments late), its promise
# as placement writes it (PROMISE_DAYS: ship 3 days, pickup and curbside the same day).
FULFILMENTS_SQL = """
INSERT INTO orders_fulfillment (id, public_id, order_id, location, handover_location, method, status,
  reservation_ref, reason, pickup_code, carrier, tracking, transfer_id, parking_spot, created_at, updated_at,
  history, promised_at)
SELECT o.id, 'ful_b' || o.id, o.id,
  CASE WHEN o.delivery_method <> 'ship' THEN o.delivery_location WHEN o.id % 3 = 0 THEN 'S' || lpad((1 + o.id % 20)::text, 2, '0') ELSE 'WH' END,
  CASE WHEN o.delivery_method IN ('pickup', 'curbside') THEN o.delivery_location ELSE '' END,
  o.delivery_method,
  CASE WHEN o.status = 'cancelled' THEN 'cancelled' WHEN o.delivery_method = 'ship' THEN 'delivered' ELSE 'picked_up' END,
  o.public_id, '', '', '', '', '', '', o.placed_at, o.placed_at,
  CASE
    WHEN o.delivery_method = 'carry_out' THEN jsonb_build_array(jsonb_build_object('status', 'picked_up', 'at', o.placed_at))
    WHEN o.delivery_method = 'ship' THEN jsonb_build_array(
      jsonb_build_object('status', 'pending', 'at', o.placed_at),
      jsonb_build_object('status', 'shipped', 'at', o.placed_at + interval '3 hours'),
      jsonb_build_object('status', 'delivered', 'at', o.placed_at + CASE WHEN o.id % 3 = 1 THEN interval '5 days' ELSE interval '1 day' END))
    ELSE jsonb_build_array(
      jsonb_build_object('status', 'pending', 'at', o.placed_at),
      jsonb_build_object('status', 'ready_for_pickup', 'at', o.placed_at + interval '3 hours'),
      jsonb_build_object('status', 'picked_up', 'at', o.placed_at + interval '1 day'))
  END,
  CASE WHEN o.delivery_method = 'ship' THEN o.placed_at + interval '3 days'
       WHEN o.delivery_method IN ('pickup', 'curbside') THEN o.placed_at END
FROM orders_order o
"""
CUSTOMERS_SQL = """
INSERT INTO customers_customer (id, public_id, name, name_key, language, time_zone, preferred_channels, preferred_store,
  address_line1, address_line2, address_city, address_region, address_postal_code, address_country, anonymous, created_at,
  updated_at)
SELECT i + 1, 'cus_b' || i, 'Cliente ' || i, 'cliente ' || i, 'es', 'America/Santiago', '[]'::jsonb, '', '', '', '', '',
  '', 'CL', false, %(start)s, %(start)s
FROM generate_series(0, %(n)s - 1) AS i
"""
# Conversations of two messages each (the customer's, then an agent's or, one in three, the bot's),
# opened evenly over the year; half about a store (its inbox), every tenth reopened once.
CONVERSATIONS_SQL = """
INSERT INTO conversations_conversation (id, public_id, customer_id, status, priority, language, store, skill, subject,
  last_channel, last_inbox_id, reply_channel, reply_address, resolved_by, csat_channel, message_count, bot, reopens,
  created_at, updated_at, first_response_at, resolved_at, last_message_at, last_inbound_at)
SELECT i, 'cnv_b' || i, 'cus_b' || (i % %(customers)s), 'resolved', 'normal', 'es',
  CASE WHEN i % 2 = 0 THEN 'S' || lpad((1 + i % 20)::text, 2, '0') ELSE '' END, '', '',
  (ARRAY['whatsapp', 'webchat', 'email'])[1 + i % 3], '', '', '', 'bench', '', 2, 'active',
  CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END, t, t, CASE WHEN i % 3 <> 0 THEN t + make_interval(mins => (5 + i % 60)::int) END,
  t + make_interval(hours => (1 + i % 24)::int), t, t
FROM (SELECT i, %(start)s + make_interval(secs => (i - 1)::float8 * %(span)s / %(n)s) AS t
      FROM generate_series(1, %(n)s) AS i) AS s
"""
MESSAGES_SQL = """
INSERT INTO conversations_message (id, public_id, conversation_id, direction, channel, inbox_id, address, external_id,
  author, author_name, private, kind, text, meta, status, error, created_at)
SELECT 2 * c.id - 1 + k, 'msg_b' || (2 * c.id - 1 + k), c.id, CASE WHEN k = 0 THEN 'in' ELSE 'out' END, c.last_channel,
  '', '', 'b' || (2 * c.id - 1 + k), CASE WHEN k = 0 THEN 'customer' WHEN c.id % 3 = 0 THEN 'bot' ELSE 'agent' END, '',
  false, 'text', 'hola', '{}'::jsonb, 'delivered', '', c.created_at + make_interval(mins => (k * (5 + c.id % 60))::int)
FROM conversations_conversation c CROSS JOIN generate_series(0, 1) AS k
"""
# The bulk rebuild: analytics.services' cells from the orders, in SQL (every order but the sample).
ROLLUP_SQL = """
INSERT INTO analytics_rollupcell (grain, bucket, channel, location, metric, value)
SELECT g.grain, date_trunc(g.grain, x.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
       x.channel, x.location, x.metric, sum(x.value)
FROM (
  SELECT o.placed_at AS at, o.channel, coalesce(nullif(o.delivery_location, ''), f.location) AS location, m.metric, m.value
  FROM orders_order o JOIN orders_fulfillment f ON f.order_id = o.id
  CROSS JOIN LATERAL (VALUES ('orders', 1::numeric), ('revenue', o.total), ('method:' || o.delivery_method, 1::numeric),
                             ('ship_from_store', CASE WHEN o.delivery_method = 'ship' AND f.location <> 'WH' THEN 1 ELSE 0 END))
       AS m(metric, value)
  WHERE o.cancelled_at IS NULL AND o.id <= %(counted)s
  UNION ALL
  SELECT o.cancelled_at, o.channel, coalesce(nullif(o.delivery_location, ''), f.location), m.metric, m.value
  FROM orders_order o JOIN orders_fulfillment f ON f.order_id = o.id
  CROSS JOIN LATERAL (VALUES ('cancellations', 1::numeric), ('cancelled_revenue', o.total),
                             ('cause:' || coalesce(nullif(o.cancel_cause, ''), 'unspecified'), 1::numeric))
                             AS m(metric, value)
  WHERE o.cancelled_at IS NOT NULL AND o.id <= %(counted)s
  UNION ALL
  -- analytics.order_rollups.order_metrics of the live orders (the bench has no returns, loyalty
  -- payments nor carts: their metrics stay empty; one fulfilment per order, so `units` once)
  SELECT o.placed_at, o.channel, coalesce(nullif(o.delivery_location, ''), f.location), m.metric, m.value
  FROM orders_order o JOIN orders_fulfillment f ON f.order_id = o.id
  CROSS JOIN LATERAL (SELECT {ready} AS ready_at, {picked_up} AS picked_up_at, {delivered} AS delivered_at,
                             coalesce(nullif(f.handover_location, ''), f.location) AS place,
                             (f.promised_at AT TIME ZONE %(tz)s)::date AS promised) AS s
  CROSS JOIN LATERAL (SELECT CASE WHEN f.method IN ('ship', 'drop_ship') THEN s.delivered_at ELSE s.ready_at END
                      AS done) AS d
  CROSS JOIN LATERAL (VALUES
    ('units', (SELECT sum(l.quantity) FROM orders_orderline l WHERE l.order_id = o.id)::numeric),
    ('known_customer_orders', CASE WHEN o.customer_id <> '' THEN 1 ELSE 0 END),
    ('cross_channel_orders', CASE WHEN o.customer_id <> '' AND EXISTS (
       SELECT 1 FROM conversations_conversation c JOIN conversations_message msg ON msg.conversation_id = c.id
       WHERE c.customer_id = o.customer_id AND msg.direction = 'in' AND msg.channel <> o.channel
         AND msg.created_at >= o.placed_at - interval '30 days' AND msg.created_at < o.placed_at) THEN 1 ELSE 0 END),
    ('cycle:placed_to_ready:' || s.place || ':' || {bucket_ready}, CASE WHEN s.ready_at IS NULL THEN 0 ELSE 1 END),
    ('cycle:ready_to_picked_up:' || s.place || ':' || {bucket_picked},
     CASE WHEN s.picked_up_at IS NULL OR s.ready_at IS NULL THEN 0 ELSE 1 END),
    ('cycle:placed_to_delivered:' || s.place || ':' || {bucket_delivered},
     CASE WHEN s.delivered_at IS NULL THEN 0 ELSE 1 END),
    ('on_time_due:' || s.place, CASE WHEN f.promised_at IS NOT NULL AND f.status <> 'cancelled'
                                     AND (d.done IS NOT NULL OR %(today)s > s.promised) THEN 1 ELSE 0 END),
    ('on_time_kept:' || s.place, CASE WHEN f.promised_at IS NOT NULL AND f.status <> 'cancelled'
                                      AND (d.done AT TIME ZONE %(tz)s)::date <= s.promised THEN 1 ELSE 0 END)
  ) AS m(metric, value)
  WHERE o.cancelled_at IS NULL AND o.id <= %(counted)s
) AS x CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g(grain)
WHERE x.value <> 0
GROUP BY 1, 2, 3, 4, 5
"""

# The bulk rebuild of the conversation cells: conversation_kpis.metrics_of in SQL, on the opening's hour
# and day × the first customer message's channel × the location (the conversation's store, else its
# team's one store; the bench's conversations have no tickets naming orders), for every conversation
# but the last --sample, which the real handler recounts (measure_conversation_handler).
def conversation_sql() -> tuple[str, str]:
    """(the cells' INSERT, the notes' INSERT), with histogram.bucket_sql (after django.setup())."""
    from omnicanal.analytics import histogram

    metrics = f"""
SELECT c.public_id AS conversation_id, c.created_at AS at, fi.channel,
       coalesce(nullif(c.store, ''), CASE WHEN jsonb_array_length(t.store_codes) = 1 THEN t.store_codes ->> 0 END,
                '') AS location, m.metric
FROM conversations_conversation c
LEFT JOIN conversations_team t ON t.id = c.team_id
JOIN LATERAL (SELECT channel, created_at FROM conversations_message
              WHERE conversation_id = c.id AND direction = 'in' ORDER BY created_at, id LIMIT 1) AS fi ON true
CROSS JOIN LATERAL (SELECT coalesce(bool_or(author = 'bot'), false) AS bot,
                           coalesce(bool_or(author = 'agent'), false) AS agent
                    FROM conversations_message WHERE conversation_id = c.id AND direction = 'out' AND NOT private
                      AND author IN ('agent', 'bot')) AS a
CROSS JOIN LATERAL (VALUES
  ('conversations'),
  (CASE WHEN c.first_response_at >= fi.created_at THEN 'first_response:' || ({histogram.bucket_sql(
      "extract(epoch FROM c.first_response_at - fi.created_at) / 60")}) END),
  (CASE WHEN c.resolved_at >= fi.created_at THEN 'resolution:' || ({histogram.bucket_sql(
      "extract(epoch FROM c.resolved_at - fi.created_at) / 60")}) END),
  (CASE WHEN c.resolved_at IS NOT NULL OR c.reopens > 0 THEN 'resolved_once' END),
  (CASE WHEN c.reopens > 0 THEN 'reopened' END),
  (CASE WHEN a.bot THEN 'bot_answered' END),
  (CASE WHEN a.bot AND NOT a.agent THEN 'bot_contained' END)) AS m(metric)
WHERE m.metric IS NOT NULL AND c.id <= %(counted)s
"""
    cells = f"""
INSERT INTO analytics_conversationcell (grain, bucket, channel, location, metric, value)
SELECT g.grain, date_trunc(g.grain, x.at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', x.channel, x.location, x.metric,
       count(*)
FROM ({metrics}) AS x CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g(grain)
GROUP BY 1, 2, 3, 4, 5
"""
    notes = f"""
INSERT INTO analytics_countedconversation (conversation_id, opened_at, channel, location, metrics)
SELECT x.conversation_id, min(x.at), min(x.channel), min(x.location), jsonb_agg(x.metric)
FROM ({metrics}) AS x GROUP BY x.conversation_id
"""

    return cells, notes

def _stamp_sql(status: str) -> str:
    """orders.facts._stamp: the first time the fulfilment's history reached `status`."""
    return ("(SELECT (h.e ->> 'at')::timestamptz FROM jsonb_array_elements(f.history) WITH ORDINALITY AS h(e, n) "
            f"WHERE h.e ->> 'status' = '{status}' ORDER BY h.n LIMIT 1)")


def _bucket_sql(later: str, earlier: str) -> str:
    """order_rollups.cycle_bucket of the minutes between two stamps (0 under a minute, then 5 % wide)."""
    minutes = f"(extract(epoch FROM {later} - {earlier}) / 60)"
    return f"(CASE WHEN {minutes} < 1 THEN 0 ELSE floor(ln({minutes}) / ln(1.05))::int + 1 END)::text"


ROLLUP_SQL = ROLLUP_SQL.format(
    ready=_stamp_sql("ready_for_pickup"), picked_up=_stamp_sql("picked_up"), delivered=_stamp_sql("delivered"),
    bucket_ready=_bucket_sql("s.ready_at", "o.placed_at"), bucket_picked=_bucket_sql("s.picked_up_at", "s.ready_at"),
    bucket_delivered=_bucket_sql("s.delivered_at", "o.placed_at"))
# analytics.models.CustomerHour: the live orders of known customers per hour, channel and location.
CUSTOMER_HOURS_SQL = """
INSERT INTO analytics_customerhour (customer_id, bucket, channel, location, orders, spend)
SELECT o.customer_id, date_trunc('hour', o.placed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', o.channel,
       coalesce(nullif(o.delivery_location, ''), f.location), count(*), sum(o.total)
FROM orders_order o JOIN orders_fulfillment f ON f.order_id = o.id
WHERE o.cancelled_at IS NULL AND o.customer_id <> '' AND o.id <= %(counted)s
GROUP BY 1, 2, 3, 4
"""

# analytics.models.CustomerMonth: the customers' hours folded per UTC month (migration 0008's way: the
# channels' bits in alphabetical order; customer_months.fold: orders, spend in hundredths, a bit per channel).
CHANNEL_BITS_SQL = """
INSERT INTO analytics_channelbit (channel, bit)
SELECT c.channel, row_number() OVER (ORDER BY c.channel) - 1
FROM (SELECT DISTINCT channel FROM analytics_customerhour WHERE orders > 0) c
"""
CUSTOMER_MONTHS_SQL = """
INSERT INTO analytics_customermonth (customer_id, month, orders, spend_cents, channels)
SELECT h.customer_id, date_trunc('month', h.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', sum(h.orders),
       sum(round(h.spend * 100))::bigint, bit_or(CAST(1 AS bigint) << b.bit)
FROM analytics_customerhour h JOIN analytics_channelbit b ON b.channel = h.channel
WHERE h.orders > 0
GROUP BY 1, 2
"""


def seed(args) -> None:
    from django.db import transaction

    start = END - YEAR
    common = {"start": start, "span": YEAR.total_seconds()}
    print(f"Seeding {args.orders:,} orders, {args.customers:,} customers, {args.messages:,} messages:", flush=True)
    _timed("migrate, channels, 21 locations", _locations)
    with transaction.atomic():
        _timed("orders", lambda: _sql(ORDERS_SQL, {**common, "n": args.orders, "customers": args.customers}))
        _timed("lines", lambda: _sql(LINES_SQL))
        _timed("fulfilments", lambda: _sql(FULFILMENTS_SQL))
        _timed("customers", lambda: _sql(CUSTOMERS_SQL, {**common, "n": args.customers}))
        _timed("conversations", lambda: _sql(CONVERSATIONS_SQL, {**common, "n": args.messages // 2,
                                                                 "customers": args.customers}))
        _timed("messages", lambda: _sql(MESSAGES_SQL))
        from django.conf import settings

        from omnicanal.analytics.order_rollups import business_today

        counted = args.orders - args.sample
        _timed("rollups (bulk, SQL)", lambda: _sql(ROLLUP_SQL, {
            "counted": counted, "tz": settings.OMNICANAL["TIME_ZONE"], "today": business_today()}))
        _timed("customers' hours (bulk, SQL)", lambda: _sql(CUSTOMER_HOURS_SQL, {"counted": counted}))
        _timed("customers' months (bulk, SQL)", lambda: (_sql(CHANNEL_BITS_SQL), _sql(CUSTOMER_MONTHS_SQL)))
        from omnicanal.analytics import day_packs

        _timed("customers' day packs (the worker's builder)", day_packs.do_build_day_packs)
        talked = args.messages // 2 - args.sample
        cells_sql, notes_sql = conversation_sql()
        _timed("conversation cells (bulk, SQL)", lambda: _sql(cells_sql, {"counted": talked}))
        _timed("conversation notes (bulk, SQL)", lambda: _sql(notes_sql, {"counted": talked}))
        for table in ("orders_order", "orders_fulfillment", "orders_orderline", "customers_customer",
                      "conversations_conversation", "conversations_message"):
            _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    _timed("analyze", lambda: _sql("ANALYZE"))


# --- the measurements ----------------------------------------------------------------------------

def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _measure(fn, runs: int) -> tuple[float, float]:
    fn()  # warm: plans, caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return _percentiles(times)


def _cpu_measure(fn, runs: int) -> tuple[float, float, float]:
    """_measure's p50 and p99, and the p50 CPU time of this process and its PostgreSQL backend (same
    machine: /proc), which the other helpers' load disturbs far less than the wall time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tick = 1000 / os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = open(f"/proc/{backend}/stat").read().rsplit(")", 1)[1].split()
        return time.process_time() * 1000 + (int(fields[11]) + int(fields[12])) * tick

    fn()
    walls, cpus = [], []
    for _ in range(runs):
        c0, t0 = cpu(), time.perf_counter()
        fn()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append(cpu() - c0)
    return *_percentiles(walls), statistics.median(cpus)


def _line(label: str, p50: float, p99: float, extra: str = "") -> None:
    print(f"  {label}: p50 {p50:,.1f} ms, p99 {p99:,.1f} ms{extra}", flush=True)


def measure_rollups(args) -> None:
    from django.db import connection
    from django.db.models import Sum

    from omnicanal.analytics import queries, tiling
    from omnicanal.analytics.models import RollupCell
    from omnicanal.analytics.totals import Filters

    year = Filters(start=END - YEAR, end=END)

    def dashboard_rollups():
        queries._additive(year)
        queries._additive(year.previous())

    def bare():  # the code's own statements (the tiles of each period), through a bare cursor
        with connection.cursor() as cursor:
            for period in (year, year.previous()):
                cells = RollupCell.objects.filter(tiling.cells_of(period.start, period.end))
                sql, params = cells.values("channel", "metric").annotate(total=Sum("value")).order_by().query.sql_with_params()
                cursor.execute(sql, params)
                cursor.fetchall()

    cells = RollupCell.objects.count()
    print(f"\nThe dashboard's rollup KPIs for a year and the year before ({cells:,} cells; read: months, days, "
          "hours at the ends), "
          f"{args.runs} runs:", flush=True)
    p50, p99 = _measure(dashboard_rollups, args.runs)
    c50, c99 = _measure(bare, args.runs)
    _line("dashboard rollup KPIs (this year + previous)", p50, p99,
          f" (goal <= {GOAL_MS:.0f} ms: {'met' if p99 <= GOAL_MS else 'NOT met'})")
    _line("ceiling: the same GROUP BY, bare cursor", c50, c99, f" ({100 * c50 / p50:.0f}% of the code's p50)")


def measure_reports(args) -> None:
    from django.test import Client

    from omnicanal.analytics import customer_months, dashboard, day_packs, order_kpis, queries
    from omnicanal.analytics.totals import Filters
    from omnicanal.core.services import do_create_api_key

    span = Filters(start=END - dt.timedelta(days=args.report_days), end=END)
    store = Filters(start=span.start, end=span.end, channel="web", locations=frozenset({"S02"}))
    runs = args.report_runs
    print(f"\nThe whole dashboard (every card and table: rollups + the KPIs from the facts), "
          f"{args.report_days} days + the period before, {runs} runs:", flush=True)

    def whole(filters: Filters, cold: bool = False):
        if cold:  # no decoded pack in this process's memo: every day's blob read and decoded
            day_packs.forget()
        now, before = queries.report(filters), queries.report(filters.previous())
        return dashboard.tables(now, before)

    # the console's "last 365 days": whole UTC days, not whole months (before: CustomerHour's rows)
    days = Filters(start=span.start - dt.timedelta(days=15), end=span.end - dt.timedelta(days=15))
    for label, filters, cold in (("no filter, cold (no pack memo)", span, True),
                                 ("no filter, warm (packs decoded once)", span, False),
                                 ("whole days, not months (the console's preset), no filter, cold", days, True),
                                 ("channel web, store S02", store, False)):
        p50, p99, cpu = _cpu_measure(lambda f=filters, c=cold: whole(f, c), runs)
        _line(f"whole dashboard, {args.report_days} days, {label}", p50, p99,
              f", CPU p50 {cpu:,.0f} ms (process + backend) (goal <= {GOAL_MS:.0f} ms: "
              f"{'met' if p99 <= GOAL_MS else 'NOT met'}; load {open('/proc/loadavg').read().split(' ', 1)[0]})")

    from unittest import mock

    with mock.patch.object(day_packs, "customers_table", lambda *args, **kw: None):  # as no pack covered it
        for label, filters in (("no filter, without the packs (before: CustomerMonth)", span),
                               ("whole days, without the packs (before: CustomerHour)", days)):
            p50, p99, cpu = _cpu_measure(lambda f=filters: whole(f), runs)
            _line(f"whole dashboard, {args.report_days} days, {label}", p50, p99,
                  f", CPU p50 {cpu:,.0f} ms (process + backend) (load {open('/proc/loadavg').read().split(' ', 1)[0]})")

    def packs(f: Filters):
        day_packs.forget()
        return day_packs.customers_table(f.start, f.end, memo=False), day_packs.customers_table(
            f.previous().start, f.previous().end, memo=False)

    for label, path in (("day packs, cold", lambda: packs(span)),
                        ("CustomerMonth GROUP BY (before)", lambda: (
                            customer_months.customers_table(span.start, span.end),
                            customer_months.customers_table(span.previous().start, span.previous().end))),
                        ("whole days: day packs, cold", lambda: packs(days)),
                        ("whole days: CustomerHour GROUP BY (before)", lambda: (
                            order_kpis._hourly_customers(days), order_kpis._hourly_customers(days.previous())))):
        p50, p99, cpu = _cpu_measure(path, runs)
        _line(f"of it, the customers' table (the period + the one before): {label}", p50, p99,
              f", CPU p50 {cpu:,.0f} ms (process + backend)")
    key = do_create_api_key(role="manager", name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    url = f"/api/v1/analytics/kpis?from={span.start.isoformat()}&to={span.end.isoformat()}".replace("+", "%2B")

    def api():
        answer = client.get(url)
        assert answer.status_code == 200, answer.content[:300]

    p50, p99 = _measure(api, runs)
    _line(f"GET /api/v1/analytics/kpis, {args.report_days} days", p50, p99,
          f" (goal <= {GOAL_MS:.0f} ms: {'met' if p99 <= GOAL_MS else 'NOT met'})")


def measure_handler(args) -> None:
    from django.db import connection, transaction

    from omnicanal.analytics import handlers
    from omnicanal.core.outbox import Envelope

    ids = list(range(args.orders - args.sample + 1, args.orders + 1))
    times = []
    for i in ids:
        envelope = Envelope(id=i, topic="orders.OrderPlaced", payload={"order_id": f"ord_b{i}"}, occurred_at=END)
        t0 = time.perf_counter()
        with transaction.atomic():
            handlers.count_orders_placed([envelope])
        times.append((time.perf_counter() - t0) * 1000)
    p50, p99 = _percentiles(times)
    bucket = (END - dt.timedelta(hours=1)).replace(minute=0)

    def bare():
        with transaction.atomic(), connection.cursor() as cursor:
            for grain, at in (("hour", bucket), ("day", bucket.replace(hour=0)), ("month", bucket.replace(day=1, hour=0))):
                for metric, value in (("orders", 1), ("revenue", 5000), ("method:pickup", 1)):
                    cursor.execute("UPDATE analytics_rollupcell SET value = value + %s WHERE grain = %s AND "
                                   "bucket = %s AND channel = 'web' AND location = 'S02' AND metric = %s",
                                   [value, grain, at, metric])

    c50, c99 = _measure(bare, min(args.sample, 500))
    print(f"\nThe rollup's cost per event ({args.sample:,} orders counted by the real handler, one transaction each):",
          flush=True)
    _line("orders.OrderPlaced handler", p50, p99, f" ({1000 / p50:,.0f} events/s on one connection)")
    _line("ceiling: the nine cell UPDATEs alone", c50, c99, f" ({100 * c50 / p50:.0f}% of the handler's p50)")


def measure_conversation_handler(args) -> None:
    """The last --sample conversations recounted by the real batch handler, one event (one
    transaction) each: a first message's recount (note created, cells upserted), then the same
    event again (nothing changes: the note locked and the facts read)."""
    from django.db import transaction

    from omnicanal.analytics import conversation_handlers
    from omnicanal.core.outbox import Envelope

    n = args.messages // 2
    ids = list(range(n - args.sample + 1, n + 1))
    first, again = [], []
    for times in (first, again):
        for i in ids:
            envelope = Envelope(id=i, topic="conversations.MessageReceived",
                                payload={"conversation_id": f"cnv_b{i}"}, occurred_at=END)
            t0 = time.perf_counter()
            with transaction.atomic():
                conversation_handlers.recount_conversations([envelope])
            times.append((time.perf_counter() - t0) * 1000)
    print(f"\nThe conversation cells' cost per event ({args.sample:,} conversations recounted by the real handler, "
          "one transaction each):", flush=True)
    _line("a conversation's first recount (note and cells written)", *_percentiles(first))
    _line("a recount that changes nothing (note locked, facts read)", *_percentiles(again))


def measure_conversation_kpis(args) -> None:
    """The conversation KPIs of a year and the year before from their cells, and a check that the
    bulk SQL mirrors metrics_of: the cells and the facts agree on the year's first 30 days (the
    last --sample conversations wait for measure_conversation_handler)."""
    from omnicanal.analytics import conversation_kpis
    from omnicanal.analytics.models import ConversationCell
    from omnicanal.analytics.totals import Filters

    year = Filters(start=END - YEAR, end=END)
    month = Filters(start=END - YEAR, end=END - YEAR + dt.timedelta(days=30))
    agree = conversation_kpis.rollup_counts(month, "day") == conversation_kpis.fact_counts(month)
    print(f"\nThe conversation KPIs for a year and the year before ({ConversationCell.objects.count():,} cells; "
          f"cells and facts agree on the first 30 days: {'yes' if agree else 'NO'}), {args.runs} runs:", flush=True)
    p50, p99 = _measure(lambda: (conversation_kpis.response_times(year),
                                 conversation_kpis.response_times(year.previous())), args.runs)
    _line("conversation KPIs (this year + previous)", p50, p99,
          f" (goal <= {GOAL_MS:.0f} ms: {'met' if p99 <= GOAL_MS else 'NOT met'})")
    if args.skip_facts:
        return
    f50, f99 = _measure(lambda: (conversation_kpis.kpis_of(conversation_kpis.fact_counts(year)),
                                 conversation_kpis.kpis_of(conversation_kpis.fact_counts(year.previous()))),
                        max(1, args.report_runs))
    _line("the same from conversations' facts (the report's way before the cells)", f50, f99)


def main(argv: list[str] | None = None) -> None:
    args = parse(list(argv if argv is not None else sys.argv[1:]))
    print(f"load average: {open('/proc/loadavg').read().split(' ', 3)[:3]}", flush=True)
    server = _setup(args.reuse, args.db)
    t0 = time.perf_counter()
    try:
        if not args.reuse:
            seed(args)
            print(f"  data ready in {time.perf_counter() - t0:,.0f} s", flush=True)
        measure_rollups(args)
        measure_conversation_kpis(args)
        if not args.reuse:
            measure_handler(args)
            measure_conversation_handler(args)
        measure_reports(args)
    finally:
        print(f"load average: {open('/proc/loadavg').read().split(' ', 3)[:3]}; total {time.perf_counter() - t0:,.0f} s",
              flush=True)
        if not args.keep:
            _drop(server, args.db)


if __name__ == "__main__":
    main()
