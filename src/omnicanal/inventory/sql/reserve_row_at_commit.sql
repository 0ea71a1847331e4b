-- inventory_reserve_row_at_commit: the reserve hot path for one stock row, sent WITH the COMMIT of a
-- caller's transaction (PostgreSQL only; inventory.services.do_reserve(at_commit=True), core.laststep).
-- Called once per reservation by inventory.locks.reserve_with_commit.
--
-- The steps of inventory_reserve_row, but a refusal RAISES: the call and the COMMIT travel in one
-- round trip, and only an error stops that COMMIT (like a deferred constraint). Nothing is written
-- then: the caller's whole transaction rolls back. The SQLSTATEs are the Python side's contract
-- (inventory.locks): OCSHT the row does not cover its units (DETAIL: the units it can spare, 0 when
-- there is no such row), OCDUP the reference already holds an active reservation.
--
-- Loaded by migration inventory/0009_reserve_row_at_commit. The file is the function's one
-- definition: a change to it needs a new migration that loads the files again. Its contract with the
-- Python side, checked by inventory/tests/test_seams_reserve_sql.py:
--   * INSERT INTO core_outboxevent names columns of core.OutboxEvent and every NOT NULL one;
--   * pg_advisory_xact_lock(21332, id & 2147483647): 21332 is inventory.locks.STOCK_QUEUE (0x5354),
--     2147483647 the row-key mask of inventory.locks.queue_key.
CREATE OR REPLACE FUNCTION inventory_reserve_row_at_commit(
    p_sku text, p_code text, p_take int, p_channel text,
    p_public_id text, p_reference text, p_status text, p_now timestamptz, p_expires_at timestamptz, p_actor text,
    p_topic text, p_payload jsonb, p_event_status text, p_request_id text,
    OUT reservation_id bigint, OUT event_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint;
    v_floor int;
    v_free int;
BEGIN
    SELECT s.id, COALESCE(lc.safety_stock, 0), s.on_hand - s.reserved - COALESCE(lc.safety_stock, 0)
      INTO v_id, v_floor, v_free
      FROM catalog_variant v
      JOIN inventory_stocklevel s ON s.variant_id = v.id
      JOIN inventory_location l ON l.id = s.location_id AND l.code = p_code AND l.active
      LEFT JOIN inventory_locationchannel lc ON lc.location_id = l.id AND lc.channel_id = p_channel
     WHERE v.sku = p_sku;
    IF v_id IS NULL OR v_free < p_take THEN
        RAISE EXCEPTION 'insufficient stock' USING ERRCODE = 'OCSHT', DETAIL = GREATEST(COALESCE(v_free, 0), 0);
    END IF;
    -- The reservation, its line and its event in one statement (one executor start, not three). The
    -- event is written even for a duplicate reference: that refusal raises, and takes it back.
    WITH r AS (
        INSERT INTO inventory_reservation (public_id, reference, channel_id, status, created_at, expires_at, actor)
        VALUES (p_public_id, p_reference, p_channel, p_status, p_now, p_expires_at, p_actor)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), l AS (
        INSERT INTO inventory_reservationline (reservation_id, stock_id, quantity, state)
        SELECT r.id, v_id, p_take, 'held' FROM r
    ), e AS (
        INSERT INTO core_outboxevent (topic, payload, created_at, status, done_handlers, attempts, last_error, request_id)
        VALUES (p_topic, p_payload, p_now, p_event_status, '[]'::jsonb, 0, '', p_request_id)
        RETURNING id
    )
    SELECT (SELECT id FROM r), (SELECT id FROM e) INTO reservation_id, event_id;
    IF reservation_id IS NULL THEN
        RAISE EXCEPTION 'reference already reserved' USING ERRCODE = 'OCDUP';
    END IF;
    PERFORM pg_advisory_xact_lock(21332, (v_id & 2147483647)::int);
    UPDATE inventory_stocklevel SET reserved = reserved + p_take, updated_at = p_now
     WHERE id = v_id AND on_hand - reserved - v_floor >= p_take;
    IF NOT FOUND THEN
        -- Another reservation took the units in between (this statement's snapshot is taken after the
        -- queue): say what is left, the transaction rolls back with what it wrote.
        SELECT on_hand - reserved - v_floor INTO v_free FROM inventory_stocklevel WHERE id = v_id;
        RAISE EXCEPTION 'insufficient stock' USING ERRCODE = 'OCSHT', DETAIL = GREATEST(COALESCE(v_free, 0), 0);
    END IF;
END
$$;
