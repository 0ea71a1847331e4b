"""The audit log never receives personal data: values shaped like emails or phones are masked on
the way in, and a free-text reason about a person lives in an erasable note beside the entry."""

import pytest

from omnicanal.core import audit
from omnicanal.core.auth import SYSTEM
from omnicanal.core.models import AuditEntry, AuditNote

pytestmark = pytest.mark.django_db


def test_emails_and_phones_are_masked_in_every_part_of_an_entry():
    # when a call site passes an email and phones in after and in the reason
    entry = audit.record(actor=SYSTEM, action="stock.adjust", target_type="stock", target_id="SCL/SOCK-1",
                         before={"on_hand": 3, "amount": "999999999999", "at": "2026-12-03T10:00:00+00:00"},
                         after={"contact": "ana.rojas@example.cl", "phones": ["+56 9 8765 4321"]},
                         reason="caja rota, avisar a ana.rojas@example.cl o al 987654321 (RUT 12.345.678-9)")
    stored = AuditEntry.objects.get(pk=entry.pk)
    # then none of them is stored, and amounts, counts and times are untouched
    assert stored.after == {"contact": "[email]", "phones": ["[phone]"]}
    assert stored.reason == "caja rota, avisar a [email] o al [phone] (RUT [phone])"
    assert stored.before == {"on_hand": 3, "amount": "999999999999", "at": "2026-12-03T10:00:00+00:00"}


def test_a_reason_about_a_person_is_a_note_that_erasure_forgets():
    # given an entry about a customer with a reason that names her
    entry = audit.record(actor=SYSTEM, action="loyalty.adjust", target_type="loyalty_account", target_id="acc_1",
                         after={"customer": "cus_1"}, reason="Compensación para Ana Rojas", subject="cus_1")
    # then the entry holds no text, the note does, until the person is erased
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""
    assert audit.reason_of(entry) == "Compensación para Ana Rojas"
    assert audit.forget_subjects(["cus_1"]) == 1
    assert audit.reason_of(entry) == "" and not AuditNote.objects.exists()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()  # the entry itself stays, append-only
