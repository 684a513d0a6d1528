"""Domestic VRPs: each payment checked against its consent, then debited from the PSU's account.

A payment must repeat the consent's ``Initiation`` and ``Risk``, pay the consent's creditor (if
the consent named one), and keep within every control parameter by the sandbox clock: the
validity window, VRPType, PSU authentication method and interaction type, the currency,
MaximumIndividualAmount and each periodic limit. A breach is a 400
``UK.OBIE.Rules.FailsControlParameters`` naming the parameter. A payment within the limits that
the account cannot fund is created ``Rejected`` and moves no money. Otherwise it settles at once
(Faster Payments) through ``core.bank_ledger``: the debtor account is debited and shows the
payment among its transactions; if the creditor account is one of this bank's, it is credited.

Callers hold the consent's row lock (``Tx.lock``) from the limit check to the debit, so
concurrent payments under one consent are checked one after the other and can never together
exceed a limit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from mockserver.core import bank_ledger
from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.periodic_limits import Spend, breached_limit
from mockserver.core.psu_history.model import format_money
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import cash_accounts, vrp_consents

KIND = "ob.domestic_vrp"
ID_PREFIX = "vrp-"
SETTLED = "AcceptedSettlementCompleted"
CONTROLS = vrp_consents.CONTROLS


def fails_controls(message: str, path: str) -> ApiError:
    return ApiError(400, message, code="UK.OBIE.Rules.FailsControlParameters", path=path)


def mismatch(message: str, path: str) -> ApiError:
    return ApiError(400, message, code="UK.OBIE.Resource.ConsentMismatch", path=path)


def spends(tx: Tx, ns: str, consent_id: str) -> list[Spend]:
    return [
        Spend(at=parse_instant(p["payment"]["CreationDateTime"]), amount=Decimal(p["amount"]))
        for p in tx.list(ns, KIND, parent=consent_id)
        if p["payment"]["Status"] != "Rejected"
    ]


def check_against_consent(record: dict[str, Any], body: dict[str, Any]) -> None:
    consent, data = record["consent"], body["Data"]
    if data["Initiation"] != consent["Initiation"]:
        raise mismatch("Initiation must be the consent's Initiation, unchanged", "Data.Initiation")
    if body["Risk"] != record["risk"]:
        raise mismatch("Risk must be the consent's Risk, unchanged", "Risk")
    named = consent["Initiation"].get("CreditorAccount")
    if named is not None and data["Instruction"]["CreditorAccount"] != named:
        raise mismatch(
            "the consent names the creditor; the instruction must pay that account",
            "Data.Instruction.CreditorAccount",
        )


def check_controls(
    tx: Tx, ns: str, record: dict[str, Any], data: dict[str, Any], now: datetime
) -> Decimal:
    """The payment's amount, once every control parameter allows it."""
    controls = record["consent"]["ControlParameters"]
    valid_from, valid_to = controls.get("ValidFromDateTime"), controls.get("ValidToDateTime")
    if valid_from is not None and now < parse_instant(valid_from):
        raise fails_controls("the consent is not valid yet", f"{CONTROLS}.ValidFromDateTime")
    if valid_to is not None and now >= parse_instant(valid_to):
        raise fails_controls("the consent is no longer valid", f"{CONTROLS}.ValidToDateTime")
    if data["VRPType"] not in controls["VRPType"]:
        raise fails_controls(f"the consent does not allow {data['VRPType']}", f"{CONTROLS}.VRPType")
    if data["PSUAuthenticationMethod"] not in controls["PSUAuthenticationMethods"]:
        raise fails_controls(
            f"the consent does not allow {data['PSUAuthenticationMethod']}",
            f"{CONTROLS}.PSUAuthenticationMethods",
        )
    interactions = controls.get("PSUInteractionTypes")
    if interactions and data.get("PSUInteractionType", interactions[0]) not in interactions:
        raise fails_controls(
            f"the consent does not allow {data['PSUInteractionType']}",
            f"{CONTROLS}.PSUInteractionTypes",
        )
    instructed = data["Instruction"]["InstructedAmount"]
    amount = vrp_consents.amount_of(instructed)
    if amount <= 0:
        raise ApiError(
            400,
            "InstructedAmount must be more than zero",
            code="UK.OBIE.Field.Invalid",
            path="Data.Instruction.InstructedAmount.Amount",
        )
    maximum = controls["MaximumIndividualAmount"]
    if instructed["Currency"] != maximum["Currency"]:
        raise fails_controls(
            f"the consent's limits are in {maximum['Currency']}",
            f"{CONTROLS}.MaximumIndividualAmount",
        )
    if amount > vrp_consents.amount_of(maximum):
        raise fails_controls(
            f"{amount} is more than MaximumIndividualAmount {maximum['Amount']}",
            f"{CONTROLS}.MaximumIndividualAmount",
        )
    anchor = vrp_consents.period_anchor(record).date()
    breach = breached_limit(
        vrp_consents.limits(record),
        anchor,
        spends(tx, ns, record["consent"]["ConsentId"]),
        now,
        amount,
    )
    if breach is not None:
        limit, left = breach
        raise fails_controls(
            f"{amount} is more than the {left} left of the {limit.period} limit "
            f"({limit.alignment}-aligned) of {limit.amount}",
            limit.label,
        )
    return amount


def make_payment(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    record: dict[str, Any],
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Check the payment and, if it may go, settle it or reject it for lack of funds."""
    check_against_consent(record, body)
    data = body["Data"]
    amount = check_controls(tx, ns, record, data, now)
    consent = record["consent"]
    account = tx.get(ns, cash_accounts.ACCOUNT_KIND, record["account"])
    if account is None:
        raise ApiError(500, "the consent's debtor account is missing")
    currency = data["Instruction"]["InstructedAmount"]["Currency"]
    if currency != account["currency"]:
        raise ApiError(
            400,
            f"the debtor account is in {account['currency']}",
            code="UK.OBIE.Unsupported.Currency",
            path="Data.Instruction.InstructedAmount.Currency",
        )
    stamp = isoformat(now)
    payment: dict[str, Any] = {
        "DomesticVRPId": ID_PREFIX + sandbox.ids.uuid(tx, ns, KIND),
        "ConsentId": consent["ConsentId"],
        "CreationDateTime": stamp,
        "Status": SETTLED,
        "StatusUpdateDateTime": stamp,
        "ExpectedExecutionDateTime": stamp,
        "ExpectedSettlementDateTime": stamp,
    }
    if consent.get("ReadRefundAccount") == "Yes":
        payment["Refund"] = consent["DebtorAccount"]
    payment |= {
        "Initiation": data["Initiation"],
        "Instruction": data["Instruction"],
        "DebtorAccount": consent["DebtorAccount"],
    }
    stored: dict[str, Any] = {
        "payment": payment,
        "risk": body["Risk"],
        "client_id": record["client_id"],
        "amount": format_money(amount),
        "transaction_id": None,
    }
    if amount > bank_ledger.spendable(account):
        payment["Status"] = "Rejected"
        payment["StatusReason"] = "UK.OBIE.OtherReason"
        payment["StatusReasonDescription"] = "Insufficient funds in the debtor account"
    else:
        instruction = data["Instruction"]
        remittance = instruction.get("RemittanceInformation") or {}
        row = bank_ledger.transfer(
            tx,
            ns,
            sandbox,
            account,
            amount,
            _payee(tx, ns, instruction["CreditorAccount"]),
            reference=str(remittance.get("Reference") or instruction["EndToEndIdentification"]),
            now=now,
        )
        stored["transaction_id"] = row["id"]
    tx.put(
        ns,
        KIND,
        payment["DomesticVRPId"],
        stored,
        tenant=record["client_id"],
        parent=consent["ConsentId"],
    )
    return stored


def _payee(tx: Tx, ns: str, creditor: dict[str, Any]) -> dict[str, Any]:
    """The creditor as the ledger knows parties: a name, and sort code and number if known
    (``bank_ledger.transfer`` credits it when those are one of this bank's accounts)."""
    identification = str(creditor["Identification"]).replace(" ", "")
    if cash_accounts.scheme(creditor) == cash_accounts.SCAN and len(identification) == 14:
        scan = {"sort_code": identification[:6], "account_number": identification[6:]}
        return {"name": creditor["Name"], **scan}
    own = cash_accounts.find(tx, ns, creditor)  # an IBAN of ours: its sort code and number
    if own is not None:
        scan = {"sort_code": own["sort_code"], "account_number": own["account_number"]}
        return {"name": creditor["Name"], **scan}
    return {"name": creditor["Name"]}


def funds_available(account: dict[str, Any], amount: Decimal) -> bool:
    return amount <= bank_ledger.spendable(account)
