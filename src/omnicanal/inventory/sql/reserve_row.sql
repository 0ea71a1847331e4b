-- inventory_reserve_row: the reserve hot path for one stock row, the common case (PostgreSQL only).
-- Called once per reservation by inventory.locks.reserve_at_once.
--
-- Loaded by migration inventory/0005_reserve_function (CREATE OR REPLACE), again by 0007 (which
-- added p_request_id) and by 0008 (gives way without raising). The file is the function's one definition: a change to it needs a new migration
-- that loads the files again (databases past the last one would not see it otherwise). Its contract with the Python side, checked by
-- inventory/tests/test_seams_reserve_sql.py:
--   * INSERT INTO core_outboxevent names columns of core.OutboxEvent and every NOT NULL one;
--   * pg_advisory_xact_lock(21332, id & 2147483647): 21332 is inventory.locks.STOCK_QUEUE (0x5354),
--     2147483647 the row-key mask of inventory.locks.queue_key.
CREATE OR REPLACE FUNCTION inventory_reserve_row(
    p_sku text, p_code text, p_take int, p_channel text,
    p_public_id text, p_reference text, p_status text, p_now timestamptz, p_expires_at timestamptz, p_actor text,
    p_topic text, p_payload jsonb, p_event_status text, p_request_id text DEFAULT '',
    OUT go boolean, OUT reservation_id bigint, OUT event_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_id bigint;
    v_floor int;
BEGIN
    -- The steps of inventory_reserve below, for one stock row.
    SELECT s.id, COALESCE(lc.safety_stock, 0), s.on_hand - s.reserved - COALESCE(lc.safety_stock, 0) >= p_take
      INTO v_id, v_floor, go
      FROM catalog_variant v
      JOIN inventory_stocklevel s ON s.variant_id = v.id
      JOIN inventory_location l ON l.id = s.location_id AND l.code = p_code AND l.active
      LEFT JOIN inventory_locationchannel lc ON lc.location_id = l.id AND lc.channel_id = p_channel
     WHERE v.sku = p_sku;
    go := COALESCE(go, FALSE);
    IF NOT go THEN
        RETURN;
    END IF;
    INSERT INTO inventory_reservation (public_id, reference, channel_id, status, created_at, expires_at, actor)
    VALUES (p_public_id, p_reference, p_channel, p_status, p_now, p_expires_at, p_actor)
    ON CONFLICT DO NOTHING
    RETURNING id INTO reservation_id;
    IF reservation_id IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO inventory_reservationline (reservation_id, stock_id, quantity, state)
    VALUES (reservation_id, v_id, p_take, 'held');
    INSERT INTO core_outboxevent (topic, payload, created_at, status, done_handlers, attempts, last_error, request_id)
    VALUES (p_topic, p_payload, p_now, p_event_status, '[]'::jsonb, 0, '', p_request_id)
    RETURNING id INTO event_id;
    PERFORM pg_advisory_xact_lock(21332, (v_id & 2147483647)::int);
    UPDATE inventory_stocklevel SET reserved = reserved + p_take, updated_at = p_now
     WHERE id = v_id AND on_hand - reserved - v_floor >= p_take;
    IF NOT FOUND THEN
        -- Another reservation took the units in between: undo our own rows and say so, without
        -- raising, so a caller's transaction needs no savepoint around the call (inventory/0008).
        DELETE FROM core_outboxevent WHERE id = event_id;
        DELETE FROM inventory_reservationline WHERE inventory_reservationline.reservation_id = inventory_reserve_row.reservation_id;
        DELETE FROM inventory_reservation WHERE id = inventory_reserve_row.reservation_id;
        go := FALSE;
        reservation_id := NULL;
        event_id := NULL;
    END IF;
END
$$;
