-- loyalty_transfers: many posted transfers in one call and one transaction (PostgreSQL only): the
-- batched form of loyalty_transfer (transfer.sql), for the earn-on-paid handler and for imports.
-- Called by loyalty.hot.post_many_at_once (through ledger.do_transfers).
--
-- p_items is a JSON array of objects whose fields are loyalty_transfer's parameters without the
-- "p_" prefix. Every customer-side account of the batch is locked first, in primary-key order (the
-- rule of locks.py, so a batch and a single transfer never deadlock); then each transfer runs in
-- the given order and sees what the ones before it wrote. One row per item, in the same order.
--
-- Loaded by migration loyalty/0006_transfer_function, after transfer.sql.
CREATE OR REPLACE FUNCTION loyalty_transfers(p_items jsonb)
RETURNS TABLE (outcome text, transfer_id bigint, available numeric)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_item jsonb;
BEGIN
    PERFORM 1 FROM loyalty_account a
     WHERE a.id IN (SELECT (i->>'debit')::bigint FROM jsonb_array_elements(p_items) i
                     WHERE NOT (i->>'debit_system')::boolean
                    UNION
                    SELECT (i->>'credit')::bigint FROM jsonb_array_elements(p_items) i
                     WHERE NOT (i->>'credit_system')::boolean)
     ORDER BY a.id FOR UPDATE;
    FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
        SELECT t.outcome, t.transfer_id, t.available INTO outcome, transfer_id, available
          FROM loyalty_transfer(
            v_item->>'key', v_item->>'public_id', v_item->>'kind', v_item->>'unit', (v_item->>'amount')::numeric,
            (v_item->>'debit')::bigint, (v_item->>'debit_system')::boolean,
            (v_item->>'credit')::bigint, (v_item->>'credit_system')::boolean, (v_item->>'reverses')::bigint,
            v_item->>'reference', v_item->>'payment', v_item->>'channel', v_item->>'memo', v_item->>'actor',
            v_item->'metadata', (v_item->>'now')::timestamptz, (v_item->>'lot_expires_at')::timestamptz,
            (v_item->>'carry_lots')::boolean) t;
        RETURN NEXT;
    END LOOP;
END
$$;
