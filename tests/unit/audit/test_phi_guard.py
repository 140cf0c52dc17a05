"""The shared event model refuses what the adversarial review slipped past it: dates of birth
and phone numbers as patient references, names and member ids in detail, non-finite numbers."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from agent_desktop.audit.event import (
    GENESIS_HASH,
    InvalidEvent,
    build_event,
    canonical,
    check_event,
    compute_hash,
    detail_problem,
)


def event(**fields: Any) -> dict[str, Any]:
    return build_event(device_id="dev-1", seq=1, prev_hash=GENESIS_HASH, user="agent-1", role="agent",
                       action="phi.view", **fields)


@pytest.mark.parametrize("ref", ["1984-03-12", "03-12-1984", "3.12.84", "19840312", "5551234567",
                                 "15551234567", "555-123-4567", "555.123.4567", "123-45-6789", "123456789"])
def test_a_date_of_birth_or_phone_number_is_not_a_patient_reference(ref: str) -> None:
    with pytest.raises(InvalidEvent, match="^patient: looks like") as err:
        event(patient=ref)
    assert ref not in str(err.value)


@pytest.mark.parametrize("ref", ["pat-0001", "Patient-17", "example", "12345", "a1b2c3d4-0000-7000",
                                 "550e8400-e29b-41d4-a716-446655440000", "42"])
def test_opaque_references_still_pass(ref: str) -> None:
    assert event(patient=ref)["patient"] == ref


@pytest.mark.parametrize("value", ["Jane Doe", "jane doe", "Mary-Jane O'Neil", "XJ4821", "MB12", "a1001",
                                   "W12345678", "id AB12"])
def test_a_name_or_member_id_in_detail_is_refused(value: str) -> None:
    problem = detail_problem({"answer": value})
    assert problem is not None and problem.startswith("detail.answer: looks like")
    assert value not in problem


@pytest.mark.parametrize("value", ["not_in_scope", "caregiver", "parent_of_minor", "sha256", "step2",
                                   "verificación_fallida", "dob", "phone"])
def test_codes_in_detail_still_pass(value: str) -> None:
    assert detail_problem({"reason": value}) is None


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_everywhere_the_canonical_form_is_made(number: float) -> None:
    assert detail_problem({"ratio": number}) == "detail.ratio: not a finite number (NaN or infinity has no JSON form)"
    with pytest.raises(InvalidEvent, match="finite"):
        event(detail={"ratio": number})
    good = event(detail={"ratio": 0.5})
    good["detail"] = {"nested": [number]}
    with pytest.raises(InvalidEvent, match=r"detail.nested\[0\]: not a finite number"):
        check_event(good)
    with pytest.raises(InvalidEvent, match="finite"):
        canonical(good)
    with pytest.raises(InvalidEvent, match="finite"):
        compute_hash(good)
    # what a server would parse from a body carrying NaN
    parsed = json.loads('{"x": NaN}')
    assert detail_problem(parsed) is not None
