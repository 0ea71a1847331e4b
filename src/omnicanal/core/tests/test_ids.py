import os
import time

from omnicanal.core import ids
from omnicanal.core.ids import has_prefix, new_id


def test_ids_are_prefixed_unique_and_sortable_by_time():
    ids = [new_id("cus") for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(has_prefix(i, "cus") for i in ids)
    assert ids[0][:14] <= ids[-1][:14]  # the time part only grows


def test_the_time_part_is_the_first_ten_digits_and_the_rest_is_crockford_base32():
    before = int(time.time() * 1000)
    value = new_id("ord")[4:]
    after = int(time.time() * 1000)
    assert len(value) == 26 and set(value) <= set("0123456789abcdefghjkmnpqrstvwxyz")
    millis = 0
    for digit in value[:10]:
        millis = millis * 32 + "0123456789abcdefghjkmnpqrstvwxyz".index(digit)
    assert before <= millis <= after


def test_a_forked_process_never_draws_the_random_bytes_its_parent_buffered():
    """The random part comes from a buffer of the kernel's CSPRNG; a child forked after the parent
    filled it must not hand out the same bytes (two workers would mint the same ids)."""
    new_id("cus")  # the parent's buffer is now full
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next draw and leave at once
        os.write(write, ids._random.draw80().to_bytes(10, "big"))
        os._exit(0)
    os.waitpid(pid, 0)
    child_draw = int.from_bytes(os.read(read, 10), "big")
    assert child_draw != ids._random.draw80()


def test_the_random_part_uses_every_digit_evenly_and_a_fork_gets_fresh_bytes():
    """The 16 random digits come from 5 bits of 16 buffered bytes each (issue 23): every digit of
    the alphabet appears, about equally, and a child forked after the parent buffered draws others."""
    from collections import Counter

    counts = Counter("".join(new_id("cus")[-16:] for _ in range(4000)))
    assert set(counts) == set("0123456789abcdefghjkmnpqrstvwxyz")
    assert max(counts.values()) < 1.25 * min(counts.values())  # 2,000 each expected
    new_id("cus")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, ids._random.digits16().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16).decode() != ids._random.digits16()


def test_ids_made_in_one_millisecond_share_its_time_digits():
    made = [new_id("rsv") for _ in range(200)]
    assert len(set(made)) == 200
    assert all(a[4:14] <= b[4:14] for a, b in zip(made, made[1:], strict=False))
