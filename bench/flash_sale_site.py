"""Bench-only Django settings for bench/bench_flash_sale.py: the product's own, with the URLs of
bench/flash_sale_urls.py (the product's plus ONE bare endpoint, the flash sale's ceiling). Only a
server started with DJANGO_SETTINGS_MODULE=flash_sale_site and bench/ on its path has it.
"""

from omnicanal.web.settings import *  # noqa: F403

ROOT_URLCONF = "flash_sale_urls"
