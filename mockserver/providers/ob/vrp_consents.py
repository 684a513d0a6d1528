"""Domestic VRP consents: control parameters a TPP asks for, a debtor account the PSU picks.

The rules are the VRP profile's and the v3.1.11 VRP spec's: the control parameters
(MaximumIndividualAmount, PeriodicLimits, ValidFrom/ValidTo, VRPType, PSUAuthenticationMethods)
are fixed when the consent is made; the PSU approves or rejects it as a whole, choosing one
debtor account (the one the TPP named in ``Initiation.DebtorAccount``, if it named one); DELETE
removes it and ends its tokens. Unknown ids are a 400, another TPP's consent a 403, as for
account access consents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from mockserver.core import bank_ledger
from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.oauth.consents import ConsentSummary, Decision, Outcome
from mockserver.core.periodic_limits import Limit, kind_problem
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import cash_accounts
from mockserver.providers.ob.owned import find_owned

KIND = "ob.domestic_vrp_consent"
ID_PREFIX = "vrpc-"
VRP_TYPES = ("UK.OBIE.VRPType.Sweeping", "UK.OBIE.VRPType.Other")
AUTHENTICATION_METHODS = ("UK.OBIE.SCA", "UK.OBIE.SCANotRequired")
CONTROLS = "Data.ControlParameters"


def bad_field(message: str, path: str, code: str = "UK.OBIE.Field.Invalid") -> ApiError:
    return ApiError(400, message, code=code, path=path)


def amount_of(money: dict[str, Any]) -> Decimal:
    return Decimal(str(money["Amount"]))


def _check_values(values: list[str], allowed: tuple[str, ...], path: str) -> None:
    """Namespaced enums are open in the schema (``x-namespaced-enum``); the bank checks them."""
    for n, value in enumerate(values):
        if value not in allowed:
            raise bad_field(f"{value} is not one of {', '.join(allowed)}", f"{path}[{n}]")


def _instant(controls: dict[str, Any], field: str) -> datetime | None:
    if controls.get(field) is None:
        return None
    try:
        return parse_instant(str(controls[field]))
    except ValueError as exc:
        raise bad_field(
            f"{field} is not a date-time with an offset",
            f"{CONTROLS}.{field}",
            "UK.OBIE.Field.InvalidDate",
        ) from exc


def check_control_parameters(controls: dict[str, Any], now: datetime) -> None:
    _check_values(list(controls["VRPType"]), VRP_TYPES, f"{CONTROLS}.VRPType")
    _check_values(
        list(controls["PSUAuthenticationMethods"]),
        AUTHENTICATION_METHODS,
        f"{CONTROLS}.PSUAuthenticationMethods",
    )
    valid_from, valid_to = (
        _instant(controls, "ValidFromDateTime"),
        _instant(controls, "ValidToDateTime"),
    )
    if valid_to is not None and valid_to <= now:
        raise bad_field(
            "ValidToDateTime is in the past",
            f"{CONTROLS}.ValidToDateTime",
            "UK.OBIE.Field.InvalidDate",
        )
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise bad_field(
            "ValidFromDateTime is not before ValidToDateTime",
            f"{CONTROLS}.ValidFromDateTime",
            "UK.OBIE.Field.InvalidDate",
        )
    maximum = controls["MaximumIndividualAmount"]
    if amount_of(maximum) <= 0:
        raise bad_field(
            "MaximumIndividualAmount must be more than zero",
            f"{CONTROLS}.MaximumIndividualAmount.Amount",
        )
    limits = controls["PeriodicLimits"]
    for n, limit in enumerate(limits):
        path = f"{CONTROLS}.PeriodicLimits[{n}]"
        if amount_of(limit) <= 0:
            raise bad_field("a periodic limit must be more than zero", f"{path}.Amount")
        if limit["Currency"] != maximum["Currency"]:
            raise ApiError(
                400,
                "every limit must be in the currency of MaximumIndividualAmount",
                code="UK.OBIE.Unsupported.Currency",
                path=f"{path}.Currency",
            )
    problem = kind_problem([(x["PeriodType"], x["PeriodAlignment"]) for x in limits])
    if problem is not None:
        n, attribute, why = problem
        field = "PeriodAlignment" if attribute == "alignment" else "PeriodType"
        raise bad_field(why, f"{CONTROLS}.PeriodicLimits[{n}].{field}")


def create(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    data = body["Data"]
    controls = data["ControlParameters"]
    check_control_parameters(controls, now)
    debtor = data["Initiation"].get("DebtorAccount")
    if debtor is not None and not cash_accounts.is_supported(debtor):
        raise ApiError(
            400,
            f"DebtorAccount.SchemeName {debtor['SchemeName']} is not supported",
            code="UK.OBIE.Unsupported.AccountIdentifier",
            path="Data.Initiation.DebtorAccount.SchemeName",
        )
    stamp = isoformat(now)
    consent: dict[str, Any] = {
        "ConsentId": ID_PREFIX + sandbox.ids.uuid(tx, ns, KIND),
        "CreationDateTime": stamp,
        "Status": "AwaitingAuthorisation",
        "StatusUpdateDateTime": stamp,
    }
    if "ReadRefundAccount" in data:
        consent["ReadRefundAccount"] = data["ReadRefundAccount"]
    consent |= {"ControlParameters": controls, "Initiation": data["Initiation"]}
    record = {
        "consent": consent,
        "risk": body["Risk"],
        "client_id": client_id,
        "account": None,
        "psu": None,
    }
    tx.put(ns, KIND, consent["ConsentId"], record, tenant=client_id)
    return record


def find(tx: Tx, ns: str, consent_id: str, client_id: str, *, lock: bool = False) -> dict[str, Any]:
    """A TPP's consent: an unknown id is a 400, another TPP's consent a 403 (the profile)."""
    return find_owned(
        tx,
        ns,
        KIND,
        consent_id,
        client_id,
        what="domestic VRP consent",
        path="ConsentId",
        lock=lock,
    )


def delete(tx: Tx, ns: str, sandbox: Sandbox, consent_id: str, client_id: str) -> None:
    find(tx, ns, consent_id, client_id, lock=True)
    tx.delete(ns, KIND, consent_id)
    sandbox.identity.tokens.revoke_for_consent(tx, ns, consent_id)


def limits(record: dict[str, Any]) -> list[Limit]:
    return [
        Limit(
            period=limit["PeriodType"],
            alignment=limit["PeriodAlignment"],
            amount=amount_of(limit),
            label=f"{CONTROLS}.PeriodicLimits[{n}]",
        )
        for n, limit in enumerate(record["consent"]["ControlParameters"]["PeriodicLimits"])
    ]


def period_anchor(record: dict[str, Any]) -> datetime:
    """Where consent-aligned periods start: ValidFromDateTime, else the consent's creation."""
    consent = record["consent"]
    start = consent["ControlParameters"].get("ValidFromDateTime") or consent["CreationDateTime"]
    return parse_instant(start)


class VrpConsents:
    """The consent page's view of VRP consents, and the PSU's decision on them."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        controls = consent["ControlParameters"]
        maximum = controls["MaximumIndividualAmount"]
        rows: list[tuple[str, str]] = []
        creditor = consent["Initiation"].get("CreditorAccount")
        if creditor is not None:
            rows.append(("Payee", f"{creditor['Name']} ({creditor['Identification']})"))
        else:
            rows.append(("Payee", "Chosen by the provider for each payment"))
        rows.append(("Maximum per payment", f"{maximum['Currency']} {maximum['Amount']}"))
        for limit in controls["PeriodicLimits"]:
            per = limit["PeriodType"].lower()
            aligned = "calendar" if limit["PeriodAlignment"] == "Calendar" else "from today"
            rows.append(
                (f"Maximum per {per} ({aligned})", f"{limit['Currency']} {limit['Amount']}")
            )
        reference = (consent["Initiation"].get("RemittanceInformation") or {}).get("Reference")
        if reference:
            rows.append(("Reference", reference))
        sweeping = "UK.OBIE.VRPType.Sweeping" in controls["VRPType"]
        return ConsentSummary(
            title="Set up variable recurring payments",
            asks=(
                "Move money between your own accounts"
                if sweeping
                else "Make payments from your account within these limits",
            ),
            payment=tuple(rows),
            choose_accounts=True,
            single_account=True,
            eligible_accounts=self._eligible(tx, ns, record, request.get("psu")),
            expires=controls.get("ValidToDateTime"),
        )

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        now = self._sandbox.clock.now(ns, tx)
        if decision.approved:
            account = self._debtor(tx, ns, record, decision)
            record["account"] = account["id"]
            consent["DebtorAccount"] = cash_accounts.debtor_account(account)
        consent["Status"] = "Authorised" if decision.approved else "Rejected"
        consent["StatusUpdateDateTime"] = isoformat(now)
        record["psu"] = decision.psu
        tx.put(ns, KIND, consent["ConsentId"], record, tenant=record["client_id"])
        intent = {"openbanking_intent_id": consent["ConsentId"]}
        return Outcome(
            consent_id=consent["ConsentId"], id_token_claims=intent, access_token_claims=intent
        )

    def _eligible(
        self, tx: Tx, ns: str, record: dict[str, Any], psu: str | None
    ) -> tuple[str, ...] | None:
        if psu is None:
            return None
        named = record["consent"]["Initiation"].get("DebtorAccount")
        return tuple(
            account["id"]
            for account in tx.list(ns, cash_accounts.ACCOUNT_KIND, parent=psu)
            if bank_ledger.can_pay(account)
            and (named is None or cash_accounts.matches(named, account))
        )

    def _debtor(
        self, tx: Tx, ns: str, record: dict[str, Any], decision: Decision
    ) -> dict[str, Any]:
        """The one account the payments will come from.

        Named by the TPP: it must be among the PSU's. Otherwise the PSU's choice; a headless
        approval that lists several accounts (or none, meaning all) takes the first that can pay.
        """
        named = record["consent"]["Initiation"].get("DebtorAccount")
        chosen = [tx.get(ns, cash_accounts.ACCOUNT_KIND, a) for a in decision.accounts]
        payers = [a for a in chosen if a is not None and bank_ledger.can_pay(a)]
        if named is not None:
            matching = [a for a in payers if cash_accounts.matches(named, a)]
            if not matching:
                raise ApiError(400, "the consent names a debtor account the PSU did not choose")
            return matching[0]
        if not payers:
            raise ApiError(400, "choose one current or savings account to pay from")
        return min(payers, key=bank_ledger.payer_rank)

    def _awaiting(self, tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        consent_id = str(request.get("consent_id"))
        record = tx.get(ns, KIND, consent_id)
        if record is None or record["client_id"] != request["client_id"]:
            raise ApiError(400, f"no domestic VRP consent {consent_id} for this client")
        if "payments" not in request["scope"]:
            raise ApiError(400, "a VRP consent is authorised with scope=openid payments")
        status = record["consent"]["Status"]
        if status != "AwaitingAuthorisation":
            raise ApiError(409, f"the consent is {status}, not awaiting authorisation")
        valid_to = record["consent"]["ControlParameters"].get("ValidToDateTime")
        if valid_to is not None and parse_instant(valid_to) <= self._sandbox.clock.now(ns, tx):
            raise ApiError(410, "the consent's ValidToDateTime has passed")
        return record
