from omnicanal.core.ids import has_prefix, new_id


def test_ids_are_prefixed_unique_and_sortable_by_time():
    ids = [new_id("cus") for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(has_prefix(i, "cus") for i in ids)
    assert ids[0][:14] <= ids[-1][:14]  # the time part only grows
