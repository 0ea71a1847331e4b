-- inventory_reserve: the reserve hot path for several stock rows (PostgreSQL only; SQLite reserves
-- under row locks in Python). Called once per reservation by inventory.locks.reserve_at_once.
--
-- Loaded by migration inventory/0005_reserve_function (CREATE OR REPLACE), again by 0007 (which
-- added p_request_id) and by 0008 (gives way without raising). The file is the function's one definition: a change to it needs a new migration
-- that loads the files again (databases past the last one would not see it otherwise). Its contract with the Python side, checked by
-- inventory/tests/test_seams_reserve_sql.py:
--   * INSERT INTO core_outboxevent names columns of core.OutboxEvent and every NOT NULL one;
--   * pg_advisory_xact_lock(21332, id & 2147483647): 21332 is inventory.locks.STOCK_QUEUE (0x5354),
--     2147483647 the row-key mask of inventory.locks.queue_key.
CREATE OR REPLACE FUNCTION inventory_reserve(
    p_skus text[], p_codes text[], p_takes int[], p_channel text,
    p_public_id text, p_reference text, p_status text, p_now timestamptz, p_expires_at timestamptz, p_actor text,
    p_topic text, p_payload jsonb, p_event_status text, p_request_id text DEFAULT '',
    OUT go boolean, OUT reservation_id bigint, OUT event_id bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_ids bigint[];
    v_takes int[];
    v_floors int[];
    v_found int;
    v_fit boolean;
    v_id bigint;
    v_changed int;
BEGIN
    -- 1. Each line's stock row, checked on this snapshot (no lock yet): on hand - reserved - the
    --    channel's safety stock there must cover it. Rows come out in primary-key order.
    SELECT array_agg(s.id ORDER BY s.id), array_agg(w.take ORDER BY s.id),
           array_agg(COALESCE(lc.safety_stock, 0) ORDER BY s.id), count(*),
           COALESCE(bool_and(s.on_hand - s.reserved - COALESCE(lc.safety_stock, 0) >= w.take), FALSE)
      INTO v_ids, v_takes, v_floors, v_found, v_fit
      FROM unnest(p_skus, p_codes, p_takes) AS w(sku, code, take)
      JOIN catalog_variant v ON v.sku = w.sku
      JOIN inventory_location l ON l.code = w.code AND l.active
      JOIN inventory_stocklevel s ON s.variant_id = v.id AND s.location_id = l.id
      LEFT JOIN inventory_locationchannel lc ON lc.location_id = l.id AND lc.channel_id = p_channel;
    go := v_found = cardinality(p_skus) AND v_fit;
    IF NOT go THEN
        RETURN;
    END IF;

    -- 2. The reservation, its lines and its event, before any stock lock is taken.
    INSERT INTO inventory_reservation (public_id, reference, channel_id, status, created_at, expires_at, actor)
    VALUES (p_public_id, p_reference, p_channel, p_status, p_now, p_expires_at, p_actor)
    ON CONFLICT DO NOTHING
    RETURNING id INTO reservation_id;
    IF reservation_id IS NULL THEN
        RETURN;  -- the reference already holds an active reservation; nothing written
    END IF;
    INSERT INTO inventory_reservationline (reservation_id, stock_id, quantity, state)
    SELECT reservation_id, u.id, u.take, 'held' FROM unnest(v_ids, v_takes) AS u(id, take);
    INSERT INTO core_outboxevent (topic, payload, created_at, status, done_handlers, attempts, last_error, request_id)
    VALUES (p_topic, p_payload, p_now, p_event_status, '[]'::jsonb, 0, '', p_request_id)
    RETURNING id INTO event_id;

    -- 3. Wait our turn on each row's queue (STOCK_QUEUE = 0x5354 in inventory/locks.py), in key order.
    FOREACH v_id IN ARRAY v_ids LOOP
        PERFORM pg_advisory_xact_lock(21332, (v_id & 2147483647)::int);
    END LOOP;

    -- 4. Lock the rows in key order (the module's rule against deadlocks) and check them again: this
    --    statement's snapshot is taken after the locks, so it sees each row as its last holder left it.
    PERFORM 1 FROM inventory_stocklevel WHERE id = ANY (v_ids) ORDER BY id FOR NO KEY UPDATE;
    SELECT count(*) INTO v_changed
      FROM inventory_stocklevel s JOIN unnest(v_ids, v_takes, v_floors) AS u(id, take, floor) ON s.id = u.id
     WHERE s.on_hand - s.reserved - u.floor >= u.take;
    IF v_changed < cardinality(v_ids) THEN
        -- Another reservation took the units in between: undo our own rows and say so, without
        -- raising, so a caller's transaction needs no savepoint around the call (inventory/0008).
        DELETE FROM core_outboxevent WHERE id = event_id;
        DELETE FROM inventory_reservationline WHERE inventory_reservationline.reservation_id = inventory_reserve.reservation_id;
        DELETE FROM inventory_reservation WHERE id = inventory_reserve.reservation_id;
        go := FALSE;
        reservation_id := NULL;
        event_id := NULL;
        RETURN;
    END IF;

    -- 5. Raise reserved on the locked rows.
    UPDATE inventory_stocklevel s
       SET reserved = s.reserved + u.take, updated_at = p_now
      FROM unnest(v_ids, v_takes, v_floors) AS u(id, take, floor)
     WHERE s.id = u.id AND s.on_hand - s.reserved - u.floor >= u.take;
    GET DIAGNOSTICS v_changed = ROW_COUNT;
    IF v_changed < cardinality(v_ids) THEN
        -- Cannot happen (the rows are locked and were just checked); refuse loudly rather than oversell.
        RAISE EXCEPTION 'stock moved under a lock'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_reserved_within_on_hand';
    END IF;
END
$$;
