"""The campaign's control group: a hash draw of (campaign, customer), the same in every process, near
the percent asked for, and nobody held out at 0 %."""

import pytest

from omnicanal.marketing import governance

pytestmark = pytest.mark.database_free

CUSTOMERS = [f"cus_{n:05d}" for n in range(10_000)]


def held_out(campaign_id: str, percent: int) -> set[str]:
    return {c for c in CUSTOMERS if governance.in_control(campaign_id, c, percent)}


def test_the_draw_is_the_same_every_time_and_differs_between_campaigns():
    assert held_out("cmp_a", 20) == held_out("cmp_a", 20)
    assert held_out("cmp_a", 20) != held_out("cmp_b", 20)


@pytest.mark.parametrize("percent", [10, 25, 50])
def test_the_control_group_is_near_the_percent_asked_for(percent):
    share = len(held_out("cmp_share", percent)) / len(CUSTOMERS)
    assert abs(share - percent / 100) < 0.02  # ±2 points at 10,000 customers: about 4 standard deviations


def test_nobody_is_held_out_at_zero_percent():
    assert held_out("cmp_zero", 0) == set()
