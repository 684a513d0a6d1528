"""Insights requests: submitted banking data, processed asynchronously, purged on request.

A submission is validated beyond the schema (accounts and transactions are the minimum; ids
unique; amounts decimal), stored with its client, and answered with its id and one report URL
per order id. Its report is computed from the data (``report.build_report``) once the
namespace's processing setting says it is ready (``processing``); until then GETs answer 204.
A ``reference`` of ``FAIL-PROCESSING`` makes processing fail. Purging removes the submission and
the report; each client sees only its own (another client's id is a 404, not a 403).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.providers.mogoplus import processing

KIND = "mogoplus.insights"
FAIL_REFERENCE = "FAIL-PROCESSING"


def _invalid(status: int, message: str, field: str) -> ApiError:
    return ApiError(status, message, path=field)


def validate(body: dict[str, Any]) -> None:
    """What the schema cannot say: accounts and transactions present, ids unique, amounts."""
    seen_accounts: set[str] = set()
    transactions = 0
    for a, applicant in enumerate(body["applicantsData"]):
        for d, data in enumerate(applicant.get("bankingTransactionData") or []):
            base = f"applicantsData[{a}].bankingTransactionData[{d}].accountProperty.accounts"
            accounts = (data.get("accountProperty") or {}).get("accounts") or []
            if not accounts:
                raise _invalid(422, "at least one account is required", base)
            for n, account in enumerate(accounts):
                where = f"{base}[{n}]"
                if account["accountId"] in seen_accounts:
                    raise _invalid(422, "accountId is repeated", f"{where}.accountId")
                seen_accounts.add(account["accountId"])
                for t, row in enumerate(account.get("transactions") or []):
                    try:
                        Decimal(str(row["amount"]))
                    except InvalidOperation as exc:
                        raise _invalid(
                            400, "amount is not a decimal", f"{where}.transactions[{t}].amount"
                        ) from exc
                    transactions += 1
    if not seen_accounts:
        raise _invalid(422, "account data is required", "applicantsData")
    if transactions == 0:
        raise _invalid(
            422, "transaction data is required: no account has transactions", "applicantsData"
        )


def submit(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    validate(body)
    record: dict[str, Any] = {
        "insightsId": sandbox.ids.uuid(tx, ns, KIND),
        "client_id": client_id,
        "payload": body,
        "submitted_at": isoformat(now),
        "status": "PROCESSING",
        "polls": 0,
        "report": None,
    }
    tx.put(ns, KIND, record["insightsId"], record, tenant=client_id)
    return record


def find(
    tx: Tx, ns: str, client_id: str, insights_id: str, *, lock: bool = False
) -> dict[str, Any]:
    record = tx.lock(ns, KIND, insights_id) if lock else tx.get(ns, KIND, insights_id)
    if record is None or record["client_id"] != client_id:
        raise ApiError(404, f"insights {insights_id} not found", path="insightsId")
    return record


def check_order(record: dict[str, Any], order_id: str) -> None:
    if order_id not in record["payload"]["meta"]["orderIds"]:
        raise ApiError(404, f"order {order_id} is not part of these insights", path="orderId")


def progress(
    tx: Tx, ns: str, record: dict[str, Any], now: datetime, build: Any
) -> dict[str, Any] | None:
    """The report if it is ready (computing it the first time), else None (a 204)."""
    if record["status"] != "PROCESSING":
        return record["report"]  # type: ignore[no-any-return]
    setting = processing.current(tx, ns)
    if not processing.ready(setting, parse_instant(record["submitted_at"]), record["polls"], now):
        record["polls"] += 1
        tx.put(ns, KIND, record["insightsId"], record, tenant=record["client_id"])
        return None
    client = tx.get(ns, CLIENT_KIND, record["client_id"]) or {}
    failing = (record["payload"]["meta"].get("reference") or "") == FAIL_REFERENCE
    record["status"] = "FAILED" if failing else "COMPLETED"
    record["report"] = build(record, client, now)  # may turn the status to FAILED
    tx.put(ns, KIND, record["insightsId"], record, tenant=record["client_id"])
    return record["report"]  # type: ignore[no-any-return]


def purge(tx: Tx, ns: str, client_id: str, insights_id: str) -> None:
    find(tx, ns, client_id, insights_id, lock=True)
    tx.delete(ns, KIND, insights_id)
