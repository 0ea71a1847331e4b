"""core.memo: a per-process memo of a domain's rarely changed reads, versioned in Django's cache."""

import pytest
from django.core.cache import cache

from omnicanal.core import memo

pytestmark = pytest.mark.database_free


class Reads:
    """A read that counts how often it reached "the database"."""

    def __init__(self, value="v1"):
        self.value, self.count = value, 0

    def __call__(self):
        self.count += 1
        return self.value


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_memo_reads_once_per_key_until_forgotten():
    tree, read = memo.Memo("test.tree"), Reads()
    assert tree.get("es", read) == "v1" and tree.get("es", read) == "v1"
    assert read.count == 1
    read.value = "v2"
    tree.forget()  # the owning domain's signal after a write
    assert tree.get("es", read) == "v2"
    assert read.count == 2


def test_forgetting_in_one_process_makes_every_process_read_again():
    """Two processes share Django's cache (Redis when there are several): two memos of one name,
    each with its own values, stand for them."""
    here, there = memo.Memo("test.shared"), memo.Memo("test.shared")
    read_here, read_there = Reads(), Reads()
    here.get("k", read_here), there.get("k", read_there)
    read_there.value = "changed"
    here.forget()
    assert there.get("k", read_there) == "changed"
    assert read_there.count == 2


def test_what_no_signal_sees_is_read_again_after_max_age(monkeypatch):
    """The backstop for processes without a shared cache and for writes that send no signal."""
    now = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    held, read = memo.Memo("test.aged", max_age=60), Reads()
    held.get("k", read)
    now[0] += 59
    held.get("k", read)
    assert read.count == 1
    now[0] += 2
    held.get("k", read)
    assert read.count == 2


def test_an_unreachable_cache_means_reading_the_database_every_time(monkeypatch):
    def down(*_a, **_k):
        raise ConnectionError("redis down")

    monkeypatch.setattr(memo.cache, "get", down)
    monkeypatch.setattr(memo.cache, "set", down)
    held, read = memo.Memo("test.down"), Reads()
    held.get("k", read), held.get("k", read)
    held.forget()  # never raises: the write that triggered it must not fail for the cache
    assert read.count == 2


def test_forget_all_empties_every_memo_of_the_process():
    held, read = memo.Memo("test.all"), Reads()
    held.get("k", read)
    memo.forget_all()
    held.get("k", read)
    assert read.count == 2


def test_a_bounded_memo_keeps_its_most_recent_keys():
    searches, read = memo.Memo("test.searches", max_entries=2), Reads()
    searches.get("a", read)
    searches.get("b", read)
    searches.get("a", read)  # read again: now the most recent
    searches.get("c", read)  # over the bound: "b", the oldest, goes
    assert read.count == 3
    searches.get("a", read)
    searches.get("c", read)
    assert read.count == 3
    searches.get("b", read)
    assert read.count == 4
