"""Loyalty: one double-entry ledger for points, coins and stored value, programs and coupons."""
