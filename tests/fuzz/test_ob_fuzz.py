"""schemathesis against the ob spec(s): examples, coverage and fuzzing phases, all checks."""

from __future__ import annotations

from schemathesis import Case

from tests.fuzz.harness import FuzzSession, fuzz_schema
from tests.fuzz.targets import TARGETS

ob_auth = fuzz_schema("ob_auth")


@ob_auth.parametrize()
def test_ob_auth(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["ob_auth"], case)


ob_aisp = fuzz_schema("ob_aisp")


@ob_aisp.parametrize()
def test_ob_aisp(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["ob_aisp"], case)


ob_vrp = fuzz_schema("ob_vrp")


@ob_vrp.parametrize()
def test_ob_vrp(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["ob_vrp"], case)
