"""Domestic VRPs: each payment checked against its consent, then debited from the PSU's account.

A payment must repeat the consent's ``Initiation`` and ``Risk``, pay the consent's creditor (if
the consent named one), and keep within every control parameter by the sandbox clock: the
validity window, VRPType, PSU authentication method and interaction type, the currency,
MaximumIndividualAmount and each periodic limit. A breach is a 400
``UK.OBIE.Rules.FailsControlParameters`` naming the parameter. A payment within the limits that
the account cannot fund is created ``Rejected`` and moves no money. Otherwise it settles at once
(Faster Payments): the debtor account is debited and shows the payment among its transactions;
if the creditor account is one of this bank's, it is credited too.

Callers hold the consent's row lock (``Tx.lock``) from the limit check to the debit, so
concurrent payments under one consent are checked one after the other and can never together
exceed a limit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.periodic_limits import Spend, breached_limit
from mockserver.core.psu_history.model import format_money
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.ob import cash_accounts, vrp_consents

KIND = "ob.domestic_vrp"
ID_PREFIX = "vrp-"
TRANSACTION_KIND = "psu.transaction"
SETTLED = "AcceptedSettlementCompleted"
CONTROLS = vrp_consents.CONTROLS


def fails_controls(message: str, path: str) -> ApiError:
    return ApiError(400, message, code="UK.OBIE.Rules.FailsControlParameters", path=path)


def mismatch(message: str, path: str) -> ApiError:
    return ApiError(400, message, code="UK.OBIE.Resource.ConsentMismatch", path=path)


def spendable(account: dict[str, Any]) -> Decimal:
    """What the account can pay now: available balance plus any arranged overdraft."""
    return Decimal(account["available_balance"]) + Decimal(account.get("overdraft_limit") or 0)


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
    if amount > spendable(account):
        payment["Status"] = "Rejected"
        payment["StatusReason"] = "UK.OBIE.OtherReason"
        payment["StatusReasonDescription"] = "Insufficient funds in the debtor account"
    else:
        stored["transaction_id"] = _post(tx, ns, sandbox, account, -amount, data, now)
        creditor = cash_accounts.find(tx, ns, data["Instruction"]["CreditorAccount"])
        if creditor is not None and creditor["id"] != account["id"]:
            _post(tx, ns, sandbox, creditor, amount, data, now, debtor=account)
    tx.put(
        ns,
        KIND,
        payment["DomesticVRPId"],
        stored,
        tenant=record["client_id"],
        parent=consent["ConsentId"],
    )
    return stored


def _post(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    account: dict[str, Any],
    amount: Decimal,
    data: dict[str, Any],
    now: datetime,
    *,
    debtor: dict[str, Any] | None = None,
) -> str:
    """Book the payment on one side: a new transaction, and the account's balances moved."""
    instruction = data["Instruction"]
    remittance = instruction.get("RemittanceInformation") or {}
    reference = remittance.get("Reference") or instruction["EndToEndIdentification"]
    if debtor is None:
        creditor = instruction["CreditorAccount"]
        identification = str(creditor["Identification"])
        other: dict[str, Any] = {"name": creditor["Name"]}
        if cash_accounts.scheme(creditor) == cash_accounts.SCAN and len(identification) == 14:
            other |= {"sort_code": identification[:6], "account_number": identification[6:]}
        description = f"VRP TO {creditor['Name']}"
    else:
        other = {
            "name": debtor.get("holder_name") or debtor["name"],
            "sort_code": debtor["sort_code"],
            "account_number": debtor["account_number"],
        }
        description = f"VRP FROM {other['name']}"
    balance = Decimal(account["balance"]) + amount
    account["balance"] = format_money(balance)
    account["available_balance"] = format_money(Decimal(account["available_balance"]) + amount)
    tx.put(ns, cash_accounts.ACCOUNT_KIND, account["id"], account, parent=account["psu"])
    # Pending card spend is listed with the running balance that includes it: move those too.
    for row in tx.list(ns, TRANSACTION_KIND, parent=account["id"]):
        if row["status"] == "pending":
            row["balance_after"] = format_money(Decimal(row["balance_after"]) + amount)
            tx.put(ns, TRANSACTION_KIND, row["id"], row, parent=account["id"])
    row_id = sandbox.ids.uuid(tx, ns, TRANSACTION_KIND)
    moment = now.astimezone(UTC)
    row = {
        "id": row_id,
        "account_id": account["id"],
        "psu": account["psu"],
        "booked_at": moment.isoformat(timespec="seconds"),
        "value_date": moment.date().isoformat(),
        "amount": format_money(amount),
        "currency": account["currency"],
        "credit_debit": "credit" if amount > 0 else "debit",
        "status": "booked",
        "description": description[:500],
        "merchant": None,
        "category": "transfer_in" if amount > 0 else "transfer_out",
        "method": "faster_payment",
        "mandate_id": None,
        "reference": str(reference)[:35],
        "balance_after": format_money(balance),
        "counterparty": other,
        "mcc": None,
    }
    tx.put(ns, TRANSACTION_KIND, row_id, row, parent=account["id"])
    return row_id


def funds_available(account: dict[str, Any], amount: Decimal) -> bool:
    return amount <= spendable(account)
