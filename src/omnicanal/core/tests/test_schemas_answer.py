"""core.schemas.answer: a hot route's answer validated against its Out schema as ninja validates it,
and the same JSON values (issue 23: a placed order's answer)."""

import json

import pytest
from pydantic import ValidationError

from omnicanal.core.schemas import MoneyOut, Out, StoredOut, answer

pytestmark = pytest.mark.database_free


class NoteOut(StoredOut):
    name: str


class LineOut(Out):
    sku: str
    amount: MoneyOut
    note: NoteOut | None = None


class ThingOut(Out):
    id: str
    lines: list[LineOut]
    total: MoneyOut
    cancelled_at: str | None = None  # left unset: stays out of the answer


def _data(**extra):
    return {"id": "thg_1", "lines": [{"sku": "Ñandú", "amount": {"amount": "10", "currency": "CLP"},
                                      "note": {"name": "IVA", "rate": 19}}],
            "total": {"amount": "10", "currency": "CLP"}, **extra}


def test_the_answer_holds_the_same_json_ninja_would_write_with_its_status_and_type():
    response = answer(ThingOut, _data(), 201)
    assert response.status_code == 201 and response["Content-Type"] == "application/json; charset=utf-8"
    ninja_way = ThingOut.model_validate(_data()).model_dump(exclude_unset=True)
    assert json.loads(response.content) == ninja_way
    assert ninja_way["lines"][0]["sku"] == "Ñandú" and "cancelled_at" not in ninja_way


@pytest.mark.parametrize("broken", [
    {"surprise": 1},  # a key the schema does not name
    {"lines": [{"sku": "A", "amount": {"amount": "1", "currency": "CLP"}, "oops": 1}]},  # nested
    {"total": {"amount": 10, "currency": "CLP"}},  # a number where the wire says text
])
def test_an_answer_off_its_schema_is_refused_as_ninja_refuses_it(broken):
    with pytest.raises(ValidationError):
        ThingOut.model_validate(_data(**broken))
    with pytest.raises(ValidationError):
        answer(ThingOut, _data(**broken))
