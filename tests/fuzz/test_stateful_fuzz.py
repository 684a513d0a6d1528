"""schemathesis's stateful phase: scenarios that follow the specs' OpenAPI links (create a
resource, then read, change and delete it), with every check, the stateful ones included
(use_after_free, ensure_resource_availability)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.harness import FuzzSession, fuzz_schema, operation_id
from tests.fuzz.targets import TARGETS

# The OBIE authorisation server has no resource to create and read back: its one chain
# (authorize -> token) passes through the PSU's decision, which only the admin API makes.
LINKED = [name for name in TARGETS if name != "ob_auth"]
STATEFUL_SETTINGS = settings(
    max_examples=12,
    stateful_step_count=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
# Drawing a whole CDR insights payload is slow (a large nested schema): fewer scenarios.
SLOW_SPECS = {"mogoplus": settings(STATEFUL_SETTINGS, max_examples=3, stateful_step_count=4)}


@pytest.mark.parametrize("name", LINKED)
def test_stateful(name: str, fuzz: FuzzSession) -> None:
    target = TARGETS[name]
    schema = fuzz_schema(name)
    calls: Counter[str] = Counter()

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            fuzz.record(target, case)
            calls[operation_id(case)] += 1

    Scenarios.run(settings=SLOW_SPECS.get(name, STATEFUL_SETTINGS))
    linked = {link.get("operationId") for link in _links(schema.raw_schema)}
    # Not vacuous: the scenarios went along the links, not only to the creating operations.
    assert linked & set(calls), f"no linked operation was called: {dict(calls)}"


def _links(document: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.extend(v for v in node.get("links", {}).values() if isinstance(v, dict))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return found
