"""The OBIE bank's consents on the shared consent page: account access or VRP, by the intent id."""

from __future__ import annotations

from typing import Any

from mockserver.core.oauth.consents import ConsentAdapter, ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import vrp_consents
from mockserver.providers.ob.consents import AccountAccessConsents


class ObConsents:
    """Sends each authorisation request to the adapter of the consent it names."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._account_access = AccountAccessConsents(sandbox)
        self._vrp = vrp_consents.VrpConsents(sandbox)

    def _adapter(self, request: dict[str, Any]) -> ConsentAdapter:
        if str(request.get("consent_id") or "").startswith(vrp_consents.ID_PREFIX):
            return self._vrp
        return self._account_access

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        return self._adapter(request).describe(tx, ns, request)

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        return self._adapter(request).decide(tx, ns, request, decision)
