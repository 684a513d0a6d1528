"""Fena VRP consents and payments.

A consent names the bank (a VRP provider of the catalog), the beneficiary, the maximum
individual amount, periodic limits, VRP types and PSU authentication methods; it is answered
in Fena's form (with the bank's OBIE consent as ``providerData`` and three fields as JSON
text) and starts ``awaiting_authorization``. The customer approves it on the bank's page,
choosing the account to pay from: ``authorized``. Payments under an authorised consent are
checked against the validity window, the maximum and every periodic limit (Consent or Calendar
aligned, by the sandbox clock) under the consent's row lock; they are ``executed`` (the
customer's account is debited) or ``rejected`` (no funds, or the magic amount). As the
document says, banks support only ``Sweeping`` VRPs authenticated ``SCANotRequired``; other
values are refused.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from mockserver.core import bank_ledger
from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.oauth import requests
from mockserver.core.oauth.consents import ConsentSummary, Decision, Outcome
from mockserver.core.periodic_limits import Limit, Spend, breached_limit, kind_problem
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.core.urls import absolute_url
from mockserver.providers.fena import access_consents, catalog, events, kinds
from mockserver.providers.fena.bank_login import FENA_BANK

# A payment of exactly this amount is rejected by the bank (README, magic values).
REJECTED_AMOUNT = Decimal("6.66")
DELETED = {"successfullyDeleted": True, "message": "Request is completed successfully"}


def _bad(message: str, field: str) -> ApiError:
    return ApiError(400, message, path=field)


def _money(text: str, field: str) -> Decimal:
    value = Decimal(text)
    if value <= 0:
        raise _bad(f"{field} must be more than zero.", field)
    return value


def _ob_amount(text: str) -> str:
    """Fena's amount (``10.``, ``10.5``, ``10.50``) as OBIE writes one: ``10.00``, ``10.50``."""
    return f"{Decimal(text):.2f}"


def _ob_instant(moment: datetime) -> str:
    """The bank's own timestamps, as in the samples' providerData: seconds and +00:00."""
    return moment.isoformat(timespec="seconds").replace("Z", "+00:00")


def _party(body: dict[str, Any] | None, field: str) -> dict[str, Any] | None:
    """A beneficiary or remitter, checked: sort code and account number, or an IBAN."""
    if body is None:
        return None
    kind = body.get("identificationType") or "SortCodeAccountNumber"
    if kind == "SortCodeAccountNumber":
        for part, size in (("sortCode", 6), ("accountNumber", 8)):
            value = str(body.get(part) or "")
            if len(value) != size or not value.isdigit():
                raise _bad(f"{field}.{part} must be {size} digits.", f"{field}.{part}")
    elif not body.get("iban"):
        raise _bad(f"{field}.iban is required for IBAN identification.", f"{field}.iban")
    return {**body, "identificationType": kind}


def _ob_account(party: dict[str, Any]) -> dict[str, Any]:
    if party["identificationType"] == "IBAN":
        scheme, identification = "UK.OBIE.IBAN", str(party["iban"])
    else:
        scheme = "UK.OBIE.SortCodeAccountNumber"
        identification = f"{party['sortCode']}{party['accountNumber']}"
    result = {"SchemeName": scheme, "Identification": identification}
    if party.get("name"):
        result["Name"] = str(party["name"])[:350]
    return result


def _check_limits(body: dict[str, Any], now: datetime) -> None:
    _money(body["maximumIndividualAmount"], "maximumIndividualAmount")
    limits = body["periodicLimits"]
    for n, limit in enumerate(limits):
        _money(limit["amount"], f"periodicLimits[{n}].amount")
    problem = kind_problem([(x["periodType"], x["periodAlignment"]) for x in limits])
    if problem is not None:
        n, attribute, why = problem
        field = "periodAlignment" if attribute == "alignment" else "periodType"
        raise _bad(why[0].upper() + why[1:] + ".", f"periodicLimits[{n}].{field}")
    if "Sweeping" not in body["vrpType"]:
        raise _bad("Banks support only Sweeping VRPs.", "vrpType")
    if "SCANotRequired" not in body["psuAuthenticationMethods"]:
        raise _bad("Banks support only SCANotRequired VRPs.", "psuAuthenticationMethods")
    valid_from, valid_to = (_instant(body, f) for f in ("validFrom", "validTo"))
    if valid_to is not None and valid_to <= now:
        raise _bad("validTo is in the past.", "validTo")
    if valid_from is not None and valid_to is not None and valid_from >= valid_to:
        raise _bad("validFrom is not before validTo.", "validFrom")


def _instant(body: dict[str, Any], field: str) -> datetime | None:
    if body.get(field) is None:
        return None
    try:
        return parse_instant(str(body[field]))
    except ValueError as exc:
        raise _bad(f"{field} must be an ISO 8601 date-time with an offset.", field) from exc


def _provider_data(
    consent_id: str, body: dict[str, Any], beneficiary: dict[str, Any], remitter: Any, now: datetime
) -> dict[str, Any]:
    """The bank's consent in OBIE v3.1 form, as Fena relays it."""
    stamp = _ob_instant(now)
    valid_from, valid_to = _instant(body, "validFrom"), _instant(body, "validTo")
    controls: dict[str, Any] = {"ValidFromDateTime": _ob_instant(valid_from or now)}
    if valid_to is not None:
        controls["ValidToDateTime"] = _ob_instant(valid_to)
    controls |= {
        "MaximumIndividualAmount": {
            "Amount": _ob_amount(body["maximumIndividualAmount"]),
            "Currency": "GBP",
        },
        "PeriodicLimits": [
            {
                "PeriodAlignment": limit["periodAlignment"],
                "Amount": _ob_amount(limit["amount"]),
                "Currency": "GBP",
                "PeriodType": limit["periodType"],
            }
            for limit in body["periodicLimits"]
        ],
        "VRPType": [f"UK.OBIE.VRPType.{t}" for t in body["vrpType"]],
        "PSUAuthenticationMethods": [f"UK.OBIE.{m}" for m in body["psuAuthenticationMethods"]],
    }
    initiation: dict[str, Any] = {}
    if remitter is not None:
        initiation["DebtorAccount"] = _ob_account(remitter)
    initiation["CreditorAccount"] = _ob_account(beneficiary)
    if body.get("reference"):
        initiation["RemittanceInformation"] = {"Reference": body["reference"]}
    return {
        "Data": {
            "ConsentId": consent_id,
            "Status": "AwaitingAuthorisation",
            "StatusUpdateDateTime": stamp,
            "CreationDateTime": stamp,
            "ControlParameters": controls,
            "Initiation": initiation,
        },
        "Risk": body.get("risk") or {"PaymentContextCode": "Other"},
    }


def _json_text(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def create_consent(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    provider = catalog.usable(body["provider"], vrp=True)
    beneficiary = _party(body["beneficiary"], "beneficiary")
    assert beneficiary is not None
    if not beneficiary.get("name"):
        raise _bad("beneficiary.name is required.", "beneficiary.name")
    remitter = _party(body.get("remitter"), "remitter")
    _check_limits(body, now)
    option = body.get("option") or {}
    redirect = access_consents.redirect_uri(tx, ns, client_id, option.get("redirectUri"))
    consent_id = sandbox.ids.uuid(tx, ns, kinds.VRP_CONSENT)
    stamp = isoformat(now)
    limits = [
        {
            "periodType": x["periodType"],
            "periodAlignment": x["periodAlignment"],
            "amount": x["amount"],
        }
        for x in body["periodicLimits"]
    ]
    remitter = remitter or {}
    consent: dict[str, Any] = {
        "id": consent_id,
        "beneficiaryIdentificationType": beneficiary["identificationType"],
        "beneficiaryAccountNumber": beneficiary.get("accountNumber"),
        "beneficiarySortCode": beneficiary.get("sortCode"),
        "beneficiaryName": beneficiary["name"],
        "maximumIndividualAmount": body["maximumIndividualAmount"],
        "periodicLimits": _json_text(limits),
        "vrpType": _json_text(body["vrpType"]),
        "psuAuthenticationMethods": _json_text(body["psuAuthenticationMethods"]),
        "validFrom": isoformat(v) if (v := _instant(body, "validFrom")) else None,
        "validTo": isoformat(v) if (v := _instant(body, "validTo")) else None,
        "referenceNumber": body.get("reference"),
        "risk": body.get("risk"),
        "status": "awaiting_authorization",
        "beneficiaryIban": beneficiary.get("iban"),
        "remitterIdentificationType": remitter.get("identificationType") or "SortCodeAccountNumber",
        "remitterSortCode": remitter.get("sortCode"),
        "remitterAccountNumber": remitter.get("accountNumber"),
        "remitterIban": remitter.get("iban"),
        "remitterName": remitter.get("name"),
        "completedAt": None,
        "redirectUri": option.get("redirectUri"),
        "webhookUri": option.get("webhookUri"),
        "createdAt": stamp,
        "updatedAt": stamp,
        "providerData": _provider_data(
            sandbox.ids.uuid(tx, ns, "fena.bank_consent"),
            body,
            beneficiary,
            body.get("remitter") and remitter,
            now,
        ),
    }
    request = requests.hosted_request(
        tx,
        ns,
        FENA_BANK,
        client_id=client_id,
        consent_id=consent_id,
        redirect_uri=redirect,
        scope=["payments"],
        now=now,
        ids=sandbox.ids,
    )
    record = {
        "consent": consent,
        "provider": provider["id"],
        "client_id": client_id,
        "account": None,
        "psu": None,
        "auth_url": absolute_url(f"{FENA_BANK.consent_path}/{request['id']}"),
    }
    tx.put(ns, kinds.VRP_CONSENT, consent_id, record, tenant=client_id)
    return record


def find_consent(
    tx: Tx, ns: str, consent_id: str, client_id: str, *, lock: bool = False
) -> dict[str, Any]:
    record = (
        tx.lock(ns, kinds.VRP_CONSENT, consent_id)
        if lock
        else tx.get(ns, kinds.VRP_CONSENT, consent_id)
    )
    if record is None or record["client_id"] != client_id:
        raise ApiError(404, f"VRP consent {consent_id} not found.", path="id")
    return record


def consent_view(record: dict[str, Any], *, with_provider: bool = True) -> dict[str, Any]:
    """The VrpConsent object; inside a payment it comes without its provider."""
    consent = dict(record["consent"])
    if not with_provider:
        return consent
    return {"id": consent.pop("id"), "provider": catalog.summary(record["provider"]), **consent}


def delete_consent(tx: Tx, ns: str, sandbox: Sandbox, consent_id: str, client_id: str) -> None:
    record = find_consent(tx, ns, consent_id, client_id, lock=True)
    record["consent"]["status"] = "revoked"
    record["consent"]["updatedAt"] = isoformat(sandbox.clock.now(ns, tx))
    events.vrp_changed(tx, ns, sandbox, record, {})
    # Payments outlive their consent: they keep the consent as it was when it went.
    for payment in tx.list(ns, kinds.VRP_PAYMENT, parent=consent_id):
        payment["consent_copy"] = consent_view(record, with_provider=False)
        tx.put(ns, kinds.VRP_PAYMENT, payment["id"], payment, tenant=client_id, parent=consent_id)
    tx.delete(ns, kinds.VRP_CONSENT, consent_id)


# -- payments ---------------------------------------------------------------------------------


def _limits(record: dict[str, Any]) -> list[Limit]:
    return [
        Limit(
            period=limit["periodType"],
            alignment=limit["periodAlignment"],
            amount=Decimal(limit["amount"]),
            label=f"periodicLimits[{n}]",
        )
        for n, limit in enumerate(json.loads(record["consent"]["periodicLimits"]))
    ]


def _spends(tx: Tx, ns: str, consent_id: str) -> list[Spend]:
    return [
        Spend(at=parse_instant(p["createdAt"]), amount=Decimal(p["amount"]))
        for p in tx.list(ns, kinds.VRP_PAYMENT, parent=consent_id)
        if p["status"] == "executed"
    ]


def _check_payment(
    tx: Tx, ns: str, record: dict[str, Any], body: dict[str, Any], now: datetime
) -> Decimal:
    consent = record["consent"]
    if consent["status"] != "authorized":
        raise _bad(f"The VRP consent is {consent['status']}, not authorized.", "vrpConsentId")
    method = body["psuAuthenticationMethod"]
    if method not in json.loads(consent["psuAuthenticationMethods"]) or method != "SCANotRequired":
        raise _bad(f"The consent does not allow {method} payments.", "psuAuthenticationMethod")
    amount = _money(body["amount"], "amount")
    controls = consent["providerData"]["Data"]["ControlParameters"]
    if now < parse_instant(controls["ValidFromDateTime"]):
        raise _bad("The VRP consent is not valid yet (validFrom).", "amount")
    if controls.get("ValidToDateTime") and now >= parse_instant(controls["ValidToDateTime"]):
        raise _bad("The VRP consent is no longer valid (validTo).", "amount")
    maximum = Decimal(consent["maximumIndividualAmount"])
    if amount > maximum:
        raise _bad(f"{amount} is more than the maximumIndividualAmount of {maximum}.", "amount")
    anchor = parse_instant(controls["ValidFromDateTime"]).date()
    breach = breached_limit(_limits(record), anchor, _spends(tx, ns, consent["id"]), now, amount)
    if breach is not None:
        limit, left = breach
        raise _bad(
            f"{amount} is more than the {left} left of the {limit.period} limit "
            f"({limit.alignment}-aligned) of {limit.amount}.",
            "amount",
        )
    return amount


def make_payment(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    # The consent's row lock serialises payments under it, from the limit check to the debit.
    record = find_consent(tx, ns, body["vrpConsentId"], client_id, lock=True)
    amount = _check_payment(tx, ns, record, body, now)
    account = tx.get(ns, bank_ledger.ACCOUNT_KIND, str(record["account"]))
    if account is None:
        raise ApiError(500, "The consent's account is missing.")
    consent = record["consent"]
    stamp = isoformat(now)
    option = body.get("option") or {}
    payment: dict[str, Any] = {
        "id": sandbox.ids.uuid(tx, ns, kinds.VRP_PAYMENT),
        "amount": body["amount"],
        "psuAuthenticationMethod": body["psuAuthenticationMethod"],
        "status": "executed",
        "completedAt": stamp,
        "redirectUri": option.get("redirectUri"),
        "webhookUri": option.get("webhookUri"),
        "createdAt": stamp,
        "updatedAt": stamp,
        "provider": record["provider"],
        "consent_id": consent["id"],
        "client_id": client_id,
    }
    if amount == REJECTED_AMOUNT or amount > bank_ledger.spendable(account):
        payment["status"] = "rejected"
        payment["completedAt"] = None
    else:
        creditor = {"name": consent["beneficiaryName"]}
        if consent["beneficiarySortCode"]:
            creditor |= {
                "sort_code": consent["beneficiarySortCode"],
                "account_number": consent["beneficiaryAccountNumber"],
            }
        bank_ledger.transfer(
            tx,
            ns,
            sandbox,
            account,
            amount,
            creditor,
            reference=str(consent["referenceNumber"] or "VRP"),
            now=now,
        )
    consent["updatedAt"] = stamp
    tx.put(ns, kinds.VRP_CONSENT, consent["id"], record, tenant=client_id)
    tx.put(ns, kinds.VRP_PAYMENT, payment["id"], payment, tenant=client_id, parent=consent["id"])
    events.vrp_changed(
        tx,
        ns,
        sandbox,
        record,
        {
            "paymentId": payment["id"],
            "paymentStatus": payment["status"],
            "amount": payment["amount"],
        },
    )
    return payment


def find_payment(tx: Tx, ns: str, payment_id: str, client_id: str) -> dict[str, Any]:
    payment = tx.get(ns, kinds.VRP_PAYMENT, payment_id)
    if payment is None or payment["client_id"] != client_id:
        raise ApiError(404, f"VRP payment {payment_id} not found.", path="id")
    return payment


def payment_view(tx: Tx, ns: str, payment: dict[str, Any]) -> dict[str, Any]:
    """The VrpPayment object, with its consent as it is now (or as it was, if deleted)."""
    record = tx.get(ns, kinds.VRP_CONSENT, payment["consent_id"])
    consent = consent_view(record, with_provider=False) if record else payment.get("consent_copy")
    view = {
        k: v
        for k, v in payment.items()
        if k not in ("provider", "consent_id", "client_id", "consent_copy")
    }
    return {**view, "provider": catalog.summary(payment["provider"]), "vrpConsent": consent}


# -- the bank's page ---------------------------------------------------------------------------


class VrpConsentPage:
    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        rows = [
            ("Payee", f"{consent['beneficiaryName']}"),
            ("Maximum per payment", f"GBP {consent['maximumIndividualAmount']}"),
        ]
        for limit in json.loads(consent["periodicLimits"]):
            rows.append((f"Maximum per {limit['periodType'].lower()}", f"GBP {limit['amount']}"))
        if consent["referenceNumber"]:
            rows.append(("Reference", consent["referenceNumber"]))
        return ConsentSummary(
            title="Set up variable recurring payments",
            asks=("Move money between your own accounts, within these limits",),
            payment=tuple(rows),
            single_account=True,
            eligible_accounts=self._eligible(tx, ns, record, request.get("psu")),
        )

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        record = self._awaiting(tx, ns, request)
        consent = record["consent"]
        now = self._sandbox.clock.now(ns, tx)
        bank = consent["providerData"]["Data"]
        bank["StatusUpdateDateTime"] = _ob_instant(now)
        if decision.approved:
            account = self._debtor(tx, ns, record, decision)
            record["account"] = account["id"]
            consent |= {
                "status": "authorized",
                "completedAt": isoformat(now),
                "remitterIdentificationType": "SortCodeAccountNumber",
                "remitterSortCode": account["sort_code"],
                "remitterAccountNumber": account["account_number"],
                "remitterName": account.get("holder_name") or account["name"],
            }
            bank["Status"] = "Authorised"
            bank["DebtorAccount"] = {
                "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                "Identification": account["sort_code"] + account["account_number"],
                "Name": str(consent["remitterName"])[:350],
            }
        else:
            consent["status"] = "rejected"
            bank["Status"] = "Rejected"
        consent["updatedAt"] = isoformat(now)
        record["psu"] = decision.psu
        tx.put(ns, kinds.VRP_CONSENT, consent["id"], record, tenant=record["client_id"])
        events.vrp_changed(tx, ns, self._sandbox, record, {})
        return Outcome(
            consent_id=consent["id"],
            redirect_params={"id": consent["id"], "status": consent["status"]},
        )

    def _eligible(
        self, tx: Tx, ns: str, record: dict[str, Any], psu: str | None
    ) -> tuple[str, ...] | None:
        if psu is None:
            return None
        return tuple(
            a["id"]
            for a in tx.list(ns, bank_ledger.ACCOUNT_KIND, parent=psu)
            if bank_ledger.can_pay(a) and _is_named(record, a)
        )

    def _debtor(
        self, tx: Tx, ns: str, record: dict[str, Any], decision: Decision
    ) -> dict[str, Any]:
        chosen = [tx.get(ns, bank_ledger.ACCOUNT_KIND, a) for a in decision.accounts]
        payers = [
            a for a in chosen if a is not None and bank_ledger.can_pay(a) and _is_named(record, a)
        ]
        if not payers:
            raise ApiError(400, "choose one of your current or savings accounts to pay from")
        return min(payers, key=bank_ledger.payer_rank)

    def _awaiting(self, tx: Tx, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        record = tx.get(ns, kinds.VRP_CONSENT, str(request.get("consent_id")))
        if record is None or record["client_id"] != request["client_id"]:
            raise ApiError(400, "this VRP consent is not known to the bank")
        status = record["consent"]["status"]
        if status != "awaiting_authorization":
            raise ApiError(409, f"the VRP consent is {status}, not awaiting authorisation")
        return record


def _is_named(record: dict[str, Any], account: dict[str, Any]) -> bool:
    """Whether ``account`` is the remitter the client named (any account, if it named none)."""
    consent = record["consent"]
    if consent["remitterSortCode"] and consent["status"] == "awaiting_authorization":
        return bool(
            consent["remitterSortCode"] == account["sort_code"]
            and consent["remitterAccountNumber"] == account["account_number"]
        )
    if consent["remitterIban"] and consent["status"] == "awaiting_authorization":
        return bool(consent["remitterIban"] == account.get("iban"))
    return True
