"""A consent resource behind the OBIE authorisation server, and its consent adapter."""

from __future__ import annotations

from typing import Any

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.oauth.consents import ConsentAdapter, ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import current_sandbox
from mockserver.core.store import Tx

KIND = "probe.consent"
WORDS = {"ReadAccountsBasic": "Your account names and numbers", "ReadBalances": "Your balances"}


def _token() -> dict[str, Any]:
    return dict(context.current().extra["token"])


async def create_consent(body: dict[str, Any]) -> Any:
    sandbox, ns, token = current_sandbox(), context.current_namespace(), _token()
    with sandbox.store.transaction() as tx:
        consent = {
            "ConsentId": sandbox.ids.uuid(tx, ns, KIND),
            "Status": "AwaitingAuthorisation",
            "Permissions": body["Permissions"],
            "ClientId": token["client_id"],
            "Accounts": [],
            "Psu": None,
        }
        tx.put(ns, KIND, consent["ConsentId"], consent, tenant=token["client_id"])
    return consent, 201


async def get_consent(consentId: str) -> Any:
    with current_sandbox().store.read() as tx:
        consent = tx.get(context.current_namespace(), KIND, consentId, tenant=_token()["client_id"])
    if consent is None:
        raise ApiError(404, "no such consent")
    return consent, 200


async def delete_consent(consentId: str) -> Any:
    sandbox, ns = current_sandbox(), context.current_namespace()
    with sandbox.store.transaction() as tx:
        consent = tx.get(ns, KIND, consentId, tenant=_token()["client_id"])
        if consent is None:
            raise ApiError(404, "no such consent")
        consent["Status"] = "Revoked"
        tx.put(ns, KIND, consentId, consent, tenant=consent["ClientId"])
        sandbox.identity.tokens.revoke_for_consent(tx, ns, consentId)
    return None, 204


async def get_data() -> Any:
    sandbox, ns, token = current_sandbox(), context.current_namespace(), _token()
    with sandbox.store.read() as tx:
        consent = tx.get(ns, KIND, str(token.get("openbanking_intent_id")))
    if consent is None or consent["Status"] != "Authorised":
        raise ApiError(403, "the token is not bound to an authorised consent")
    body = {"psu": token["sub"], "consent": consent["ConsentId"], "accounts": consent["Accounts"]}
    return body, 200


class ProbeConsentAdapter:
    """Decides probe consents; any other consent goes to the provider's own adapter."""

    def __init__(self, provider_adapter: ConsentAdapter) -> None:
        self._provider = provider_adapter

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        if not self._is_probe(tx, ns, request):
            return self._provider.describe(tx, ns, request)
        consent = self._awaiting(tx, ns, request)
        asks = tuple(WORDS.get(p, p) for p in consent["Permissions"])
        return ConsentSummary(title="Share your account information", asks=asks)

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        if not self._is_probe(tx, ns, request):
            return self._provider.decide(tx, ns, request, decision)
        consent = self._awaiting(tx, ns, request)
        consent["Status"] = "Authorised" if decision.approved else "Rejected"
        consent["Accounts"] = list(decision.accounts) if decision.approved else []
        consent["Psu"] = decision.psu
        tx.put(ns, KIND, consent["ConsentId"], consent, tenant=consent["ClientId"])
        intent = {"openbanking_intent_id": consent["ConsentId"]}
        return Outcome(
            consent_id=consent["ConsentId"], id_token_claims=intent, access_token_claims=intent
        )

    @staticmethod
    def _is_probe(tx: Tx, ns: str, request: dict[str, Any]) -> bool:
        return tx.get(ns, KIND, str(request.get("consent_id"))) is not None

    @staticmethod
    def _awaiting(tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        consent = tx.get(ns, KIND, str(request.get("consent_id")), tenant=request["client_id"])
        if consent is None:
            raise ApiError(400, "the consent named by openbanking_intent_id does not exist")
        if consent["Status"] != "AwaitingAuthorisation":
            raise ApiError(409, f"the consent is {consent['Status']}, not awaiting authorisation")
        return consent
