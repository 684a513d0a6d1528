"""schemathesis against the moneyhub spec(s): examples, coverage and fuzzing phases, all checks."""

from __future__ import annotations

from schemathesis import Case

from tests.fuzz.harness import FuzzSession, fuzz_schema
from tests.fuzz.targets import TARGETS

moneyhub_identity = fuzz_schema("moneyhub_identity")


@moneyhub_identity.parametrize()
def test_moneyhub_identity(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["moneyhub_identity"], case)


moneyhub_data = fuzz_schema("moneyhub_data")


@moneyhub_data.parametrize()
def test_moneyhub_data(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["moneyhub_data"], case)
