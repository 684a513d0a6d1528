"""schemathesis against the mogoplus spec(s): examples, coverage and fuzzing phases, all checks."""

from __future__ import annotations

from schemathesis import Case

from tests.fuzz.harness import FuzzSession, fuzz_schema
from tests.fuzz.targets import TARGETS

mogoplus = fuzz_schema("mogoplus")


@mogoplus.parametrize()
def test_mogoplus(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["mogoplus"], case)
