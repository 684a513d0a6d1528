"""Fena's consents on the bank's page: an access consent or a VRP consent, by the consent's kind."""

from __future__ import annotations

from typing import Any

from mockserver.core.oauth.consents import ConsentAdapter, ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.fena import kinds
from mockserver.providers.fena.access_consents import AccessConsentPage
from mockserver.providers.fena.vrp import VrpConsentPage


class FenaConsents:
    def __init__(self, sandbox: Sandbox) -> None:
        self._access = AccessConsentPage(sandbox)
        self._vrp = VrpConsentPage(sandbox)

    def _adapter(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentAdapter:
        consent_id = str(request.get("consent_id"))
        if tx.get(ns, kinds.VRP_CONSENT, consent_id) is not None:
            return self._vrp
        return self._access

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        return self._adapter(tx, ns, request).describe(tx, ns, request)

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        return self._adapter(tx, ns, request).decide(tx, ns, request, decision)
