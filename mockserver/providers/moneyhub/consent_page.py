"""What a Moneyhub authorisation asks of the PSU, and what their decision creates.

- A connection (``id:<bankId>`` or ``id:all`` and friends): the PSU picks the accounts to share;
  they are linked to the user the ``sub`` claim names (or, without one, to a new user of the
  client, Moneyhub's "use case 1"); the ID token carries ``mh:con_id``.
- ``reauth`` / ``refresh``: the connection named by ``mh:con_id`` is renewed for 90 days.
- A payment (``payment`` with the ``mh:payment`` claim): the PSU picks the account to pay from;
  the ID token carries ``mh:payment`` (the payment's id) and ``mh:con_id``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mockserver.core import bank_ledger
from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.oauth.consents import ConsentSummary, Decision, Outcome
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import catalog, connections, payees, payments, users
from mockserver.providers.moneyhub.scopes import LIFECYCLE, bank_scopes, claim_value

SCOPE_WORDS = {
    "accounts:read": "Your accounts and balances",
    "transactions:read:all": "All your transactions",
    "transactions:read:in": "Money coming in",
    "transactions:read:out": "Money going out",
}


def _bank_id(request: dict[str, Any]) -> str:
    for scope in bank_scopes(request["scope"]):
        bank = catalog.bank(scope.removeprefix("id:"))
        if bank is not None:
            return str(bank["id"])
    return catalog.MOCK_BANK_ID


class MoneyhubConsents:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        bank = catalog.bank(_bank_id(request)) or {"name": "your bank"}
        if "payment" in request["scope"]:
            wanted = payments.requested(request["claims"]) or {}
            payee = payees.find(tx, ns, request["client_id"], str(wanted.get("payeeId"))) or {}
            pence = int(wanted.get("amount") or 0)
            return ConsentSummary(
                title=f"Pay from your {bank['name']} account",
                asks=("Make this payment now",),
                payment=(
                    ("Payee", str(payee.get("name") or wanted.get("payeeId"))),
                    ("Amount", f"GBP {pence // 100}.{pence % 100:02d}"),
                    ("Reference", str(wanted.get("payeeRef", ""))),
                ),
                single_account=True,
                eligible_accounts=self._payers(tx, ns, request.get("psu")),
            )
        if LIFECYCLE & set(request["scope"]):
            return ConsentSummary(
                title=f"Keep sharing your {bank['name']} data",
                asks=("Renew your connection for another 90 days",),
                choose_accounts=False,
            )
        asks = tuple(SCOPE_WORDS[s] for s in request["scope"] if s in SCOPE_WORDS)
        return ConsentSummary(
            title=f"Connect {bank['name']}",
            asks=asks or ("Your accounts, balances and transactions",),
        )

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        self.describe(tx, ns, request)
        if not decision.approved:
            return Outcome()
        now = self._sandbox.clock.now(ns, tx)
        claims = request["claims"]
        if LIFECYCLE & set(request["scope"]):
            return self._renew(tx, ns, request, now)
        user = self._user(tx, ns, request)
        if "payment" in request["scope"]:
            payers = self._payers(tx, ns, decision.psu) or ()
            chosen = [a for a in decision.accounts if a in payers] or list(payers)
            if not chosen:
                raise ApiError(400, "choose an account to pay from")
            # A payment from an account the user already connected reuses that connection.
            bank_id = _bank_id(request)
            connection = connections.covering(
                tx, ns, user, bank_id, chosen[0]
            ) or connections.connect(
                tx, ns, self._sandbox, user, bank_id, decision.psu, [chosen[0]], now
            )
            payment = payments.create(
                tx, ns, self._sandbox, request["client_id"], claims, chosen[0], user["userId"], now
            )
            extra = {"mh:con_id": connection["id"], "mh:payment": payment["id"]}
            return Outcome(subject=user["userId"], id_token_claims=extra, access_token_claims=extra)
        connection = connections.connect(
            tx,
            ns,
            self._sandbox,
            user,
            _bank_id(request),
            decision.psu,
            list(decision.accounts),
            now,
        )
        extra = {"mh:con_id": connection["id"]}
        return Outcome(subject=user["userId"], id_token_claims=extra, access_token_claims=extra)

    def _user(self, tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        """The user the ``sub`` claim names, or a new one of the client."""
        user_id = claim_value(request["claims"], "sub")
        if user_id:
            try:
                return users.find(tx, ns, request["client_id"], str(user_id))
            except ApiError as exc:
                raise ApiError(400, f"sub {user_id} is not a user of this client") from exc
        now = self._sandbox.clock.now(ns, tx)
        return users.create(tx, ns, self._sandbox, request["client_id"], {}, now)

    def _renew(self, tx: Tx, ns: str, request: dict[str, Any], now: Any) -> Outcome:
        user = self._user(tx, ns, request)
        connection_id = str(claim_value(request["claims"], "mh:con_id"))
        connection = tx.get(ns, connections.KIND, connection_id)
        if connection is None or connection["userId"] != user["userId"]:
            raise ApiError(400, f"mh:con_id {connection_id} is not a connection of this user")
        connection |= {
            "lastUpdated": isoformat(now),
            "expiresAt": isoformat(now + timedelta(days=connections.CONSENT_DAYS)),
        }
        tx.put(
            ns,
            connections.KIND,
            connection_id,
            connection,
            tenant=user["clientId"],
            parent=user["userId"],
        )
        extra = {"mh:con_id": connection_id}
        return Outcome(subject=user["userId"], id_token_claims=extra, access_token_claims=extra)

    def _payers(self, tx: Tx, ns: str, psu: str | None) -> tuple[str, ...] | None:
        if psu is None:
            return None
        accounts = tx.list(ns, bank_ledger.ACCOUNT_KIND, parent=psu)
        return tuple(a["id"] for a in accounts if bank_ledger.can_pay(a))
