"""The ledger keeps no personal data it cannot let go: free-text references never reach a key,
and erasure may blank a transfer's memo, reference and metadata, while amounts, accounts, keys and
everything else stay immutable, down to the database's triggers."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from omnicanal.core.auth import SYSTEM
from omnicanal.core.money import Money
from omnicanal.loyalty.models import Transfer
from omnicanal.loyalty.services import program, stored_value
from omnicanal.loyalty.services.customer_data import do_erase_customer

pytestmark = pytest.mark.django_db


def test_a_free_text_reference_never_becomes_part_of_a_key(cus):
    # given a top-up whose reference names the person (as an integration may write it)
    ana = cus()
    transfer = stored_value.do_top_up_wallet(customer_id=ana, amount=Money.of(3000), reference="pago de ana@example.cl")
    # then the key holds a digest, and a retry with the same reference finds the same transfer
    assert "ana" not in transfer.key and transfer.key.startswith("topup:h")
    again = stored_value.do_top_up_wallet(customer_id=ana, amount=Money.of(3000), reference="pago de ana@example.cl")
    assert again.pk == transfer.pk


def test_erasure_blanks_memos_and_free_text_references_but_keeps_ids_and_amounts(cus):
    # given a manual adjustment with a typed reason and a top-up with a free-text reference
    ana = cus()
    adjust = program.do_adjust(customer_id=ana, kind="points", amount=500, reason="Para Ana Rojas", actor=SYSTEM)
    top_up = stored_value.do_top_up_wallet(customer_id=ana, amount=Money.of(3000), reference="pago de ana@example.cl")
    credit = stored_value.do_grant_store_credit(customer_id=ana, amount=Money.of(1000), reason="return",
                                                reference="ord_01m8yq3b9gdepthv6v525sxpms")
    # when loyalty's part of the erasure runs
    do_erase_customer(customer_id=ana)
    # then the text is gone, the ids, keys and amounts are not
    adjust, top_up, credit = (Transfer.objects.get(pk=t.pk) for t in (adjust, top_up, credit))
    assert (adjust.memo, adjust.amount, adjust.key) == ("", Decimal(500), adjust.key)
    assert top_up.reference == "" and top_up.amount == Decimal(3000)
    assert credit.reference == "ord_01m8yq3b9gdepthv6v525sxpms" and "reason" not in credit.metadata


def test_only_the_descriptive_text_of_a_transfer_may_change_even_in_raw_sql(cus):
    transfer = program.do_adjust(customer_id=cus(), kind="points", amount=500, reason="Para Ana", actor=SYSTEM)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE loyalty_transfer SET memo = '', reference = '' WHERE id = %s", [transfer.pk])
    for column, value in (("amount", 1), ("key", "'rewritten'"), ("kind", "'earn'"), ("actor", "'someone'")):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE loyalty_transfer SET {column} = {value} WHERE id = %s", [transfer.pk])
    with pytest.raises(PermissionError):
        Transfer.objects.filter(pk=transfer.pk).erase_text(amount=1)
    assert Transfer.objects.get(pk=transfer.pk).amount == Decimal(500)
