"""schemathesis against the admin spec(s): examples, coverage and fuzzing phases, all checks."""

from __future__ import annotations

from schemathesis import Case

from tests.fuzz.harness import FuzzSession, fuzz_schema
from tests.fuzz.targets import TARGETS

admin = fuzz_schema("admin")


@admin.parametrize()
def test_admin(case: Case, fuzz: FuzzSession) -> None:
    fuzz.call_and_validate(TARGETS["admin"], case)
