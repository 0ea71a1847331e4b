"""Poll an IMAP mailbox for new mail (a periodic huey task calls `poll` for every email inbox).

Each unseen message is fetched without setting \\Seen (BODY.PEEK[]), handed to `handle(raw)`, which
stores it in a transaction of its own, and only then flagged \\Seen. A crash in between fetches it
again next time; its Message-ID de-duplicates it.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Callable

from omnicanal.channels.base import require


def connect(config: dict) -> imaplib.IMAP4:
    (host,) = require(config, "imap_host")
    if config.get("imap_ssl", True):
        connection = imaplib.IMAP4_SSL(host, int(config.get("imap_port") or 993), ssl_context=ssl.create_default_context(), timeout=15)
    else:
        connection = imaplib.IMAP4(host, int(config.get("imap_port") or 143), timeout=15)
    connection.login(config.get("imap_username", ""), config.get("imap_password", ""))
    return connection


def poll(config: dict, handle: Callable[[bytes], None], *, limit: int = 50) -> int:
    connection = connect(config)
    handled = 0
    try:
        status, _ = connection.select(config.get("imap_folder") or "INBOX")
        if status != "OK":
            return 0
        status, data = connection.uid("SEARCH", None, "UNSEEN")
        if status != "OK" or not data or not data[0]:
            return 0
        for uid in data[0].split()[:limit]:
            status, parts = connection.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts or [] if isinstance(part, tuple) and len(part) > 1), None)
            if status != "OK" or raw is None:
                continue
            handle(raw)
            connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        try:
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return handled
