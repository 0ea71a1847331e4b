"""The IMAP poller against a minimal IMAP4rev1 server on loopback (just the commands it uses)."""

import re
import socketserver
import threading

import pytest

from omnicanal.channels import testing
from omnicanal.channels.tasks import poll_inbox
from omnicanal.channels.tests.conftest import EMAIL
from omnicanal.conversations.models import Message


class Mailbox:
    def __init__(self, messages: list[bytes]):
        self.messages = {uid: raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[int] = set()
        self.logins: list[tuple[str, str]] = []


def imap_server(mailbox: Mailbox) -> socketserver.ThreadingTCPServer:
    class Handler(socketserver.StreamRequestHandler):
        def send(self, line: str | bytes) -> None:
            self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

        def handle(self) -> None:
            self.send("* OK IMAP4rev1 test server ready")
            for raw in self.rfile:
                tag, _, rest = raw.decode().strip().partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "CAPABILITY":
                    self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                elif command == "LOGIN":
                    user, password = [a.strip('"') for a in args.split(" ", 1)]
                    mailbox.logins.append((user, password))
                    if password != "imap-pass":
                        self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                        continue
                elif command == "SELECT":
                    self.send(f"* {len(mailbox.messages)} EXISTS")
                elif command == "UID":
                    sub, _, uid_args = args.partition(" ")
                    sub = sub.upper()
                    if sub == "SEARCH":
                        unseen = " ".join(str(u) for u in mailbox.messages if u not in mailbox.seen)
                        self.send(f"* SEARCH {unseen}".rstrip())
                    elif sub == "FETCH":
                        uid = int(uid_args.split(" ")[0])
                        raw_message = mailbox.messages[uid]
                        self.send(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw_message)}}}".encode() + b"\r\n" + raw_message + b")\r\n")
                    elif sub == "STORE":
                        mailbox.seen.add(int(uid_args.split(" ")[0]))
                        self.send(f"* {uid_args.split(' ')[0]} FETCH (FLAGS (\\Seen))")
                elif command == "LOGOUT":
                    self.send("* BYE")
                    self.send(f"{tag} OK LOGOUT completed")
                    return
                self.send(f"{tag} OK {command} completed")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


@pytest.fixture
def mailbox():
    box = Mailbox([testing.fixture("email/reply.eml"), testing.fixture("email/html_only.eml")])
    server = imap_server(box)
    box.port = server.server_address[1]
    yield box
    server.shutdown()
    server.server_close()


def test_the_poller_stores_unseen_mail_once_and_flags_it_seen(make_inbox, mailbox):
    inbox = make_inbox("email", **EMAIL, imap_host="127.0.0.1", imap_port=mailbox.port, imap_ssl=False,
                       imap_username="ayuda@andessport.cl", imap_password="imap-pass")
    assert poll_inbox(inbox) == 2
    assert mailbox.seen == {1, 2} and mailbox.logins == [("ayuda@andessport.cl", "imap-pass")]
    mailbox.seen.clear()  # the server forgot the flags (a crash before STORE): Message-IDs de-duplicate
    poll_inbox(inbox)
    assert Message.objects.count() == 2
    texts = sorted(Message.objects.values_list("text", flat=True))
    assert texts[1].startswith("Perfecto, lo retiro") and re.match(r"^Hola,", texts[0])


def test_a_wrong_imap_password_stores_nothing(make_inbox, mailbox):
    import imaplib

    inbox = make_inbox("email", **EMAIL, imap_host="127.0.0.1", imap_port=mailbox.port, imap_ssl=False,
                       imap_username="ayuda@andessport.cl", imap_password="nope")
    with pytest.raises(imaplib.IMAP4.error):
        poll_inbox(inbox)
    assert not Message.objects.exists()
