"""The specs under fuzz: where each is mounted, its namespace, and how to authenticate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.fuzz import credentials
from tests.fuzz.sandbox import NamespaceClient


@dataclass(frozen=True)
class FuzzTarget:
    name: str
    spec: str  # file name under specs/
    base_path: str
    credentials: Callable[[NamespaceClient], credentials.ByOperation]

    @property
    def namespace(self) -> str:
        # One namespace per spec: what one spec's run creates or breaks stays there.
        return f"fuzz-{self.name}"


TARGETS = {
    target.name: target
    for target in (
        FuzzTarget("ob_auth", "openbanking_uk_auth.yaml", "/ob", credentials.ob_auth),
        FuzzTarget(
            "ob_aisp", "openbanking_uk_aisp.yaml", "/ob/open-banking/v3.1/aisp", credentials.aisp
        ),
        FuzzTarget(
            "ob_vrp", "openbanking_uk_vrp.yaml", "/ob/open-banking/v3.1/pisp", credentials.vrp
        ),
        FuzzTarget("fena", "fena.yaml", "/fena", credentials.fena),
        FuzzTarget(
            "moneyhub_identity",
            "moneyhub_identity.yaml",
            "/moneyhub/identity",
            credentials.moneyhub_identity,
        ),
        FuzzTarget(
            "moneyhub_data", "moneyhub_data.yaml", "/moneyhub/api/v2.0", credentials.moneyhub_data
        ),
        FuzzTarget("mogoplus", "mogoplus.yaml", "/mogoplus", credentials.mogoplus),
        FuzzTarget("admin", "admin.yaml", "/__admin", credentials.admin),
    )
}
