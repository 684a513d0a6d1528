"""The fuzz session: the app, each spec's schemathesis schema and credentials, case counts.

Schemas are built at import (``@schema.parametrize()`` needs them at collection) from the same
spec files the server mounts. The app and each spec's credentials are made once per session, on
first use: that is while collecting, as schemathesis makes the coverage phase's cases then,
credentials included. (``schemathesis.pytest.from_fixture`` would defer it, but fails under
pytest 9: it reads a node attribute pytest no longer has.)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import schemathesis
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.schemas import BaseSchema

from mockserver.app import SandboxApp
from mockserver.core.paths import bundled_dir
from mockserver.core.specs import load_spec
from tests.fuzz import schemathesis_workarounds
from tests.fuzz.budget import coverage_budget
from tests.fuzz.credentials import EVERY_OPERATION, ByOperation, Headers
from tests.fuzz.narrowing import operations_config
from tests.fuzz.sandbox import NamespaceClient, build_fuzz_app
from tests.fuzz.targets import TARGETS, FuzzTarget

# Moneyhub's request-object endpoint takes a compact JWS: text, sent as generated.
schemathesis.serializer.alias("application/jws", "text/plain")

NAMESPACE_HEADER = "X-Sandbox-Namespace"
SEED = 20260131


# Bounded and repeatable: the same cases every run (derandomized, no example database). The
# examples and coverage phases send their deterministic cases (coverage within budget.py's
# limit); max-examples bounds the fuzzing phase of each operation.
RUN_CONFIG: dict[str, Any] = {
    "seed": SEED,
    "suppress-health-check": ["all"],
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
}
# Operations whose generated bodies are so large that drawing them is most of the run (the CDR
# insights payload): fewer fuzzing examples.
SLOW_OPERATIONS = [{"include-operation-id": "submit_insights", "generation": {"max-examples": 5}}]


def operation_id(case: Case) -> str:
    return str(case.operation.definition.raw.get("operationId", case.operation.label))


class FuzzSession:
    """The app under test and what each spec needs to reach its handlers."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self._cases: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._credentials: dict[str, ByOperation] = {}

    def credentials(self, target: FuzzTarget) -> ByOperation:
        if target.name not in self._credentials:
            client = NamespaceClient(self.app, target.namespace)
            self._credentials[target.name] = target.credentials(client)
        return self._credentials[target.name]

    def record(self, target: FuzzTarget, case: Case) -> None:
        phase = case.meta.phase.name.value if case.meta is not None else "unknown"
        self._cases[target.name][phase] += 1

    def case_counts(self) -> dict[str, dict[str, int]]:
        """Cases sent per spec and phase (examples, coverage, fuzzing, stateful)."""
        return {name: dict(sorted(phases.items())) for name, phases in sorted(self._cases.items())}

    def call_and_validate(self, target: FuzzTarget, case: Case) -> None:
        self.record(target, case)
        case.call_and_validate()


_session: FuzzSession | None = None


def current_session() -> FuzzSession | None:
    return _session


def session() -> FuzzSession:
    global _session
    if _session is None:
        _session = FuzzSession(build_fuzz_app())
    return _session


class SessionApp:
    """The ASGI app schemathesis is given at import: it hands every request (and the lifespan)
    to the session's app, built on first use. Probes schemathesis sends on its own (e.g. the
    ``ignored_auth`` retries without credentials) take the same way."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await session().app(scope, receive, send)


SESSION_APP = SessionApp()


def _credentials_provider(target: FuzzTarget) -> type:
    """A schemathesis auth provider that sets each operation's own credentials."""

    class OperationCredentials:
        def get(self, case: Case, ctx: Any) -> Headers | None:
            by_operation = session().credentials(target)
            return by_operation.get(operation_id(case), by_operation.get(EVERY_OPERATION))

        def set(self, case: Case, data: Headers, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), **data}

    return OperationCredentials


def fuzz_schema(name: str) -> BaseSchema:
    target = TARGETS[name]
    document = load_spec(bundled_dir("specs") / target.spec, target.base_path).document
    config = SchemathesisConfig.from_dict(
        {**RUN_CONFIG, "operations": [*operations_config(target.name), *SLOW_OPERATIONS]}
    )
    schema = schemathesis.openapi.from_dict(document, config=config)
    schema.app = SESSION_APP
    # Requests go to the app in process; the URL only carries the mount's path.
    schema.config.update(
        base_url=f"http://testserver{target.base_path}",
        headers={NAMESPACE_HEADER: target.namespace},
    )
    schema.hook("filter_failure")(schemathesis_workarounds.keep_failure)
    schema.hook("filter_case")(coverage_budget())
    schema.auth(refresh_interval=None)(_credentials_provider(target))
    return schema
