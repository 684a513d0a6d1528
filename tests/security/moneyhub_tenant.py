"""A Moneyhub API client with everything it can own: a user connected to a PSU's bank (accounts
and transactions in the Data API), a custom category, spending and savings goals, a payee and a
completed payment; tokens for the client and for its user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.conftest import NamespacedClient
from tests.moneyhub.helpers import (
    DATA,
    IDENTITY,
    as_client,
    as_user,
    connect,
    decide,
    exchange,
    payment_auth_url,
    payment_request_object,
    register_client,
    register_user,
    request_uri,
    verify_id_token,
)
from tests.security.calls import Call

CLIENT_SCOPES = (
    "user:create user:read user:delete connection:read connection:delete payee:create "
    "payee:read payment:read"
)
USER_SCOPES = (
    "accounts:read accounts:write:all accounts_details:read transactions:read:all "
    "transactions:write:all categories:read categories:write spending_analysis:read "
    "spending_goals:read spending_goals:write spending_goals:write:all savings_goals:read "
    "savings_goals:write savings_goals:write:all "
    "standing_orders:read statements_basic:read"
)


@dataclass
class MoneyhubTenant:
    api: NamespacedClient
    client: tuple[str, str]
    psu: str
    marker: str
    bank_accounts: list[str]  # the PSU's accounts its connections share (small ones: quick)
    client_headers: dict[str, str] = field(default_factory=dict)
    user_headers: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def identity(self, method: str, path: str, body: Any = None) -> Call:
        return Call(method, f"{IDENTITY}{path}", self.client_headers, body)

    def data(self, method: str, path: str, body: Any = None) -> Call:
        return Call(method, f"{DATA}{path}", self.user_headers, body)

    def made(self, call: Call) -> dict[str, Any]:
        response = call.send(self.api)
        assert response.status_code in (200, 201), f"{call}: {response.text}"
        data: dict[str, Any] = response.json()["data"]
        return data

    def new_user(self) -> str:
        return str(register_user(self.api, self.marker, self.client)["userId"])

    def new_connection(self) -> tuple[str, str]:
        """(user id, connection id): a fresh user connected to the PSU's bank."""
        user = self.new_user()
        made = connect(self.api, user, self.bank_accounts, psu=self.psu, client=self.client)
        return user, made.id

    def new_account(self) -> str:
        body = {
            "accountName": self.marker,
            "providerName": "Kitchen",
            "type": "cash:current",
            "accountType": "personal",
            "balance": {"amount": {"value": 4321}, "date": "2026-01-01"},
        }
        return str(self.made(self.data("POST", "/accounts", body))["id"])

    def new_transaction(self) -> str:
        body = self.transaction_body(self.ids["account"])
        return str(self.made(self.data("POST", "/transactions", body))["id"])

    def transaction_body(self, account_id: str) -> dict[str, Any]:
        return {
            "accountId": account_id,
            "amount": {"value": -250},
            "categoryId": self.ids["category"],
            "date": "2026-01-02T00:00:00.000Z",
            "longDescription": self.marker,
        }

    def new_spending_goal(self) -> str:
        body = {
            "categoryId": self.ids["category"],
            "periodType": "monthly",
            "amount": {"value": 100},
        }
        return str(self.made(self.data("POST", "/spending-goals", body))["id"])

    def savings_goal_body(self, account_id: str) -> dict[str, Any]:
        return {"name": self.marker, "amount": {"value": 100}, "accounts": [{"id": account_id}]}

    def new_savings_goal(self) -> str:
        body = self.savings_goal_body(self.ids["account"])
        return str(self.made(self.data("POST", "/savings-goals", body))["id"])


def moneyhub_tenant(
    api: NamespacedClient, name: str, psu: str, bank_accounts: list[str]
) -> MoneyhubTenant:
    client = register_client(api, f"sec-mh-{name}", f"sec-mh-{name}-secret")
    tenant = MoneyhubTenant(api, client, psu, f"private-{name}", bank_accounts)
    tenant.client_headers = as_client(api, CLIENT_SCOPES, client)
    user, connection = tenant.new_connection()
    tenant.user_headers = as_user(api, user, USER_SCOPES, client)
    tenant.ids = {"user": user, "connection": connection}
    account = tenant.made(tenant.data("GET", "/accounts"))[0]["id"]
    tenant.ids["account"] = account
    category = {"group": "group:4", "name": tenant.marker}
    tenant.ids["category"] = tenant.made(tenant.data("POST", "/categories", category))["categoryId"]
    # A spending in the user's own category, on the connected account (filters find it).
    tenant.ids["transaction"] = tenant.new_transaction()
    tenant.ids["spending_goal"] = tenant.new_spending_goal()
    tenant.ids["savings_goal"] = tenant.new_savings_goal()
    payee = {"sortCode": "040004", "accountNumber": "11397104", "name": tenant.marker}
    tenant.ids["payee"] = tenant.made(
        Call("POST", f"{IDENTITY}/payees", as_client(api, "payee:create", client), payee)
    )["id"]
    tenant.ids["payment"] = _pay(tenant)
    return tenant


def _pay(tenant: MoneyhubTenant) -> str:
    """A payment from the user to the payee, approved by the PSU and completed."""
    request_object = payment_request_object(
        tenant.ids["user"], tenant.ids["payee"], 100, client=tenant.client
    )
    made = request_uri(tenant.api, request_object)
    assert made.status_code == 201, made.text
    redirected = decide(tenant.api, payment_auth_url(made.text), psu=tenant.psu)
    tokens = exchange(tenant.api, redirected["code"], tenant.client)
    claims = verify_id_token(tenant.api, tokens["id_token"], tenant.client[0])
    return str(claims["mh:payment"])
