"""The schemathesis workaround drops exactly the failures of its mislabelled cases."""

from __future__ import annotations

from tests.fuzz.harness import fuzz_schema
from tests.fuzz.schemathesis_workarounds import header_breaks_its_pattern

ACCOUNTS = fuzz_schema("ob_aisp")["/accounts"]["GET"]


def test_a_header_that_breaks_its_pattern_is_recognised() -> None:
    drawn = ACCOUNTS.Case(headers={"Authorization": "Bearer t", "x-fapi-auth-date": "0"})
    assert header_breaks_its_pattern(drawn)


def test_valid_or_unpatterned_headers_are_not() -> None:
    dated = {"Authorization": "", "x-fapi-auth-date": "Sun, 10 Sep 2017 19:43:31 UTC"}
    assert not header_breaks_its_pattern(ACCOUNTS.Case(headers=dated))
    assert not header_breaks_its_pattern(ACCOUNTS.Case(headers={"x-customer-user-agent": "0"}))
