"""The bank's accounts as payment parties: OBIE cash-account identifications and who can pay.

A TPP names an account by scheme and identification: sort code and account number
(``UK.OBIE.SortCodeAccountNumber``, 14 digits) or IBAN (``UK.OBIE.IBAN``). Older clients and the
official VRP examples write the scheme without its ``UK.OBIE.`` namespace; both are accepted.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.store import Tx

ACCOUNT_KIND = "psu.account"
SCAN = "UK.OBIE.SortCodeAccountNumber"
IBAN = "UK.OBIE.IBAN"


def scheme(identification: dict[str, Any]) -> str:
    name = str(identification.get("SchemeName", ""))
    return name if name.startswith("UK.OBIE.") else f"UK.OBIE.{name}"


def is_supported(identification: dict[str, Any]) -> bool:
    return scheme(identification) in (SCAN, IBAN)


def matches(identification: dict[str, Any], account: dict[str, Any]) -> bool:
    wanted = str(identification.get("Identification", "")).replace(" ", "").upper()
    if scheme(identification) == SCAN:
        return wanted == f"{account['sort_code']}{account['account_number']}"
    if scheme(identification) == IBAN:
        return wanted == str(account.get("iban", "")).upper()
    return False


def find(tx: Tx, ns: str, identification: dict[str, Any]) -> dict[str, Any] | None:
    """The bank's own account with this identification, if it is one of ours."""
    for account in tx.list(ns, ACCOUNT_KIND):
        if matches(identification, account):
            return account
    return None


def debtor_account(account: dict[str, Any]) -> dict[str, Any]:
    """OBCashAccountDebtorWithName: sort code and account number, and the holder's name."""
    return {
        "SchemeName": SCAN,
        "Identification": account["sort_code"] + account["account_number"],
        "Name": str(account.get("holder_name") or account["name"])[:350],
    }
