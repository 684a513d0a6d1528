"""schemathesis against the fena spec(s): examples, coverage and fuzzing phases, all checks."""

from __future__ import annotations

from schemathesis import Case

from tests.fuzz.harness import FuzzSession, fuzz_schema
from tests.fuzz.targets import TARGETS

fena = fuzz_schema("fena")


@fena.parametrize()
def test_fena(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["fena"], case)
