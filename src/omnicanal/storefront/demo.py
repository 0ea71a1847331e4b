"""The shop's part of the Andes Sport demo: nothing to load (sessions start on the devices), a
shopper login to print. Ana Rojas Soto is the customers demo's first customer (customers/demo.py)."""

from __future__ import annotations

import random

DEMO_SHOPPER = "ana.rojas@gmail.com"


def load(*, seed: int, rng: random.Random, out) -> None:
    out.write(f"  shop: sign in at /account/sign-in/ as {DEMO_SHOPPER}; the one-time code is recorded, not sent "
              "(sandboxed email inbox): read it in the console's inbox, Ana Rojas Soto's conversation\n")


def login_hints() -> list[str]:
    return [f"  Shop (/account/sign-in/): {DEMO_SHOPPER}, with the one-time code shown in the console's inbox "
            "(Ana Rojas Soto's conversation; the demo's email is sandboxed, never sent)"]
