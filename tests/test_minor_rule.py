"""Rule 3's test (is this a person under 18?) is written once, on ``Case``, and the report uses it."""

from __future__ import annotations

import pytest

from haven.core.models import ADULT_AGE, Case


@pytest.mark.parametrize(
    ("minor", "age", "expected"),
    [
        (False, None, False),
        (True, None, True),
        (False, ADULT_AGE - 1, True),
        (False, ADULT_AGE, False),
        (True, 30, True),
    ],
)
def test_case_is_minor(minor: bool, age: int | None, expected: bool):
    assert Case(id="c", minor=minor, age=age).is_minor is expected
