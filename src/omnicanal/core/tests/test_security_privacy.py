"""Traces: how the erasure recognises a person's values copied as text."""

from omnicanal.core.privacy import Traces, free_text


def test_a_phone_matches_in_any_writing_and_a_name_as_whole_words():
    traces = Traces(["cus_1"], ["+56975318642", "Ana Rojas", "ana.rojas@example.cl", "Ana"])
    assert traces.touches("llamar al +56 9 7531 8642")
    assert traces.touches("wa_id 56975318642") and traces.touches("975-318-642")
    assert traces.touches("Disculpas a ANA   ROJAS") and traces.touches("de ana.rojas@example.cl")
    assert not traces.touches("Ana Rojasgarcía") and not traces.touches("banana")  # whole words; "Ana" alone too short
    assert not traces.touches("cus_1")  # ids are found by the rows that hold them, never blanked from payloads
    assert traces.scrub_json({"customer_id": "cus_1", "reference": "reseña de Ana Rojas", "n": 3}) == {
        "customer_id": "cus_1", "reference": "", "n": 3}


def test_references_that_are_our_ids_are_not_free_text():
    assert not free_text("ord_01m8yq3b9gdepthv6v525sxpms") and not free_text("AS-100001")
    assert not free_text("return:ord_1:ret_2") and not free_text("")
    assert free_text("pago de ana@example.cl") and free_text("56975318642") and free_text("ana@example.cl")
