-- loyalty_transfer: the ledger's hot path, one posted transfer in one call (PostgreSQL only).
-- Called by loyalty.hot.post_at_once (through ledger.do_transfer); SQLite runs the same rule through
-- the ORM (ledger._transfer_orm). The steps and their order are the ORM path's:
--   1. the key already used: answer 'existing' (the caller compares the transfer it finds);
--   2. the customer-side accounts are locked, in primary-key order when there are two; system
--      accounts (issuance, redemption, expiry, liability…) never are: they carry no cached balance;
--   3. the debited customer account must cover the amount beyond what it holds ('short', with what
--      is available), the credited one must be open ('closed'); the debit's check and lock are one
--      conditional UPDATE, which sees the newest version of the row once it has waited for it;
--   4. the transfer, its two entries, the cached balances, the lots: a debit spends lots oldest
--      expiry first, a credit opens one lot (or carries the debited lots' expiry dates: merges).
-- A credited customer account (an earn) is locked last, by its own UPDATE, after every other write:
-- on a hot account the lock is held for that UPDATE, one INSERT and the commit, as for a bare
-- conditional UPDATE. Nothing is written on 'short', 'closed' or 'existing' (what the debit took is
-- given back under its lock); an account closed between the check and that UPDATE (an erasure won
-- the race) raises a check violation on loyalty_account_closed, which undoes the call. Each
-- statement of a VOLATILE function takes a fresh snapshot, so what runs after a wait sees the
-- previous holder's lots and transfer.
--
-- Loaded by migration loyalty/0006_transfer_function (CREATE OR REPLACE). This file is the one
-- definition: a change needs a new migration that loads it again. Its contract with the models is
-- checked by loyalty/tests/test_seams_transfer_sql.py.
CREATE OR REPLACE FUNCTION loyalty_transfer(
    p_key text, p_public_id text, p_kind text, p_unit text, p_amount numeric,
    p_debit bigint, p_debit_system boolean, p_credit bigint, p_credit_system boolean, p_reverses bigint,
    p_reference text, p_payment text, p_channel text, p_memo text, p_actor text, p_metadata jsonb,
    p_now timestamptz, p_lot_expires_at timestamptz, p_carry_lots boolean,
    OUT outcome text, OUT transfer_id bigint, OUT available numeric)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_debit_after numeric;
    v_credit_after numeric;
    v_left numeric := p_amount;
    v_take numeric;
    v_lot record;
    v_expiries timestamptz[] := '{}';
    v_parts numeric[] := '{}';
BEGIN
    SELECT t.id INTO transfer_id FROM loyalty_transfer t WHERE t.key = p_key;
    IF FOUND THEN
        outcome := 'existing';
        RETURN;
    END IF;
    IF NOT p_debit_system AND NOT p_credit_system THEN
        -- two customer-side accounts (a merge): both locked first, in primary-key order (locks.py)
        PERFORM 1 FROM loyalty_account a WHERE a.id IN (p_debit, p_credit) ORDER BY a.id FOR UPDATE;
    END IF;
    IF NOT p_debit_system THEN
        UPDATE loyalty_account SET balance = balance - p_amount
         WHERE id = p_debit AND balance - pending >= p_amount
        RETURNING balance INTO v_debit_after;
        IF NOT FOUND THEN
            SELECT t.id INTO transfer_id FROM loyalty_transfer t WHERE t.key = p_key;
            IF FOUND THEN  -- a twin committed while we waited for the row
                outcome := 'existing';
                RETURN;
            END IF;
            SELECT a.balance - a.pending INTO available FROM loyalty_account a WHERE a.id = p_debit;
            outcome := 'short';
            RETURN;
        END IF;
    END IF;
    IF NOT p_credit_system AND NOT EXISTS (
            SELECT 1 FROM loyalty_account a WHERE a.id = p_credit AND a.closed_at IS NULL) THEN
        IF v_debit_after IS NOT NULL THEN
            UPDATE loyalty_account SET balance = balance + p_amount WHERE id = p_debit;
        END IF;
        SELECT t.id INTO transfer_id FROM loyalty_transfer t WHERE t.key = p_key;
        outcome := CASE WHEN FOUND THEN 'existing' ELSE 'closed' END;
        RETURN;
    END IF;
    INSERT INTO loyalty_transfer (public_id, key, kind, status, unit, amount, debit_id, credit_id, resolves_id,
                                  reverses_id, expires_at, reference, payment, channel, memo, actor, metadata,
                                  created_at)
    VALUES (p_public_id, p_key, p_kind, 'posted', p_unit, p_amount, p_debit, p_credit, NULL,
            p_reverses, NULL, p_reference, p_payment, p_channel, p_memo, p_actor, p_metadata, p_now)
    ON CONFLICT (key) DO NOTHING
    RETURNING id INTO transfer_id;
    IF transfer_id IS NULL THEN
        -- a twin with the same key committed after our first look: give back what the debit took
        IF v_debit_after IS NOT NULL THEN
            UPDATE loyalty_account SET balance = balance + p_amount WHERE id = p_debit;
        END IF;
        SELECT t.id INTO transfer_id FROM loyalty_transfer t WHERE t.key = p_key;
        outcome := 'existing';
        RETURN;
    END IF;
    IF NOT p_debit_system THEN
        FOR v_lot IN
            SELECT l.id, l.remaining, l.expires_at FROM loyalty_lot l
             WHERE l.account_id = p_debit AND l.remaining > 0
             ORDER BY l.expires_at ASC NULLS LAST, l.id
        LOOP
            v_take := LEAST(v_lot.remaining, v_left);
            UPDATE loyalty_lot SET remaining = remaining - v_take WHERE id = v_lot.id;
            v_expiries := v_expiries || v_lot.expires_at;
            v_parts := v_parts || v_take;
            v_left := v_left - v_take;
            EXIT WHEN v_left <= 0;
        END LOOP;
        IF v_left > 0 THEN  -- lots always add up to the balance, which was checked: a bug, undo it all
            RAISE EXCEPTION USING MESSAGE = 'lots of account ' || p_debit || ' are short by ' || v_left;
        END IF;
    END IF;
    IF NOT p_credit_system THEN
        -- The credit's new lot is invisible until commit, like the balance below: a credit needs no
        -- lock for it, so the credited row is locked last, for its UPDATE, its entry and the commit.
        IF p_carry_lots AND cardinality(v_parts) > 0 THEN
            INSERT INTO loyalty_lot (account_id, transfer_id, amount, remaining, expires_at, notified_at, created_at)
            SELECT p_credit, transfer_id, part, part, expiry, NULL, p_now
              FROM unnest(v_parts, v_expiries) AS u(part, expiry);
        ELSE
            INSERT INTO loyalty_lot (account_id, transfer_id, amount, remaining, expires_at, notified_at, created_at)
            VALUES (p_credit, transfer_id, p_amount, p_amount, p_lot_expires_at, NULL, p_now);
        END IF;
        UPDATE loyalty_account SET balance = balance + p_amount
         WHERE id = p_credit AND closed_at IS NULL
        RETURNING balance INTO v_credit_after;
        IF NOT FOUND THEN  -- closed since the check above (an erasure won the race): undo it all
            RAISE EXCEPTION 'the credited account was closed meanwhile'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'loyalty_account_closed';
        END IF;
    END IF;
    INSERT INTO loyalty_entry (transfer_id, account_id, unit, amount, balance_after, created_at)
    VALUES (transfer_id, p_debit, p_unit, -p_amount, v_debit_after, p_now),
           (transfer_id, p_credit, p_unit, p_amount, v_credit_after, p_now);
    outcome := 'posted';
END
$$;
