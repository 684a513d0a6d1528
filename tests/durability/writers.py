"""The writers of the crash tests: each makes one kind of write, and can read it back.

An OBIE VRP payment, a Fena VRP payment, an OBIE account access consent, a Moneyhub user, a
MogoPlus submission. A ``Write`` is one request as its client saw it: acknowledged (its 2xx
came: the server promised it, so it must survive a crash) or unanswered (the server died
first: it may exist or not, but never in part). ``Writer.read_back`` checks an acknowledged
write through the provider's own API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from tests.durability import provider_calls as calls

AMOUNT = "1.00"


@dataclass(frozen=True)
class Write:
    """One request of a writer: what was sent, and (once answered) the answer."""

    writer: str
    request: dict[str, Any]  # what the writer needs to read it back or send it again
    status: int | None = None  # None: no answer came
    body: Any = None

    @property
    def id(self) -> str:
        return str(self.request["id"])


class Writer:
    """Makes one kind of write; subclasses say how to send it and how to read it back."""

    name = ""
    status = 201  # the status that acknowledges the write

    def setup(self, client: httpx.Client) -> None:
        """What the writes need first (tokens, an approved consent), made once."""

    def prepare(self, n: int) -> dict[str, Any]:
        """The ``n``-th write's request, before it is sent."""
        return {}

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        raise NotImplementedError

    def acknowledged_id(self, body: Any) -> str:
        """The id of what an acknowledged write created."""
        raise NotImplementedError

    def read_back(self, client: httpx.Client, write: Write) -> None:
        """Check through the provider's API that an acknowledged write is there, unchanged."""
        raise NotImplementedError


class ObVrpPayments(Writer):
    name = "OBIE VRP payment"

    def setup(self, client: httpx.Client) -> None:
        self.consent_id, self.token = calls.ob_vrp_psu_token(client)

    def prepare(self, n: int) -> dict[str, Any]:
        body = calls.ob_vrp_payment_body(self.consent_id, AMOUNT)
        return {"key": f"durable-{uuid.uuid4().hex}", "body": body}

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        # Sent again after a crash, the same key and body make no second payment.
        headers = {**calls.bearer(self.token), "x-idempotency-key": request["key"]}
        return client.post(f"{calls.PISP}/domestic-vrps", json=request["body"], headers=headers)

    def acknowledged_id(self, body: Any) -> str:
        return str(body["Data"]["DomesticVRPId"])

    def read_back(self, client: httpx.Client, write: Write) -> None:
        path = f"{calls.PISP}/domestic-vrps/{write.id}"
        assert calls.expect(client.get(path, headers=calls.bearer(self.token)), 200).json() == (
            write.body
        )


class FenaVrpPayments(Writer):
    name = "Fena VRP payment"

    def setup(self, client: httpx.Client) -> None:
        self.consent_id, auth_url = calls.fena_vrp_consent(client)
        calls.approve(client, auth_url)

    def prepare(self, n: int) -> dict[str, Any]:
        return {"body": calls.fena_vrp_payment_body(self.consent_id, AMOUNT)}

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        return calls.fena(client, "POST", "/payment/vrp", json=request["body"])

    def acknowledged_id(self, body: Any) -> str:
        return str(body["result"]["vrp_payment"]["id"])

    def read_back(self, client: httpx.Client, write: Write) -> None:
        read = calls.expect(calls.fena(client, "GET", f"/payment/vrp/{write.id}"), 200).json()
        made = write.body["result"]["vrp_payment"]
        # The payment shows its consent as it is now (updatedAt moves with every payment).
        assert read["vrpConsent"]["id"] == made["vrpConsent"]["id"] == self.consent_id
        assert {**read, "vrpConsent": None} == {**made, "vrpConsent": None}


class ObAccessConsents(Writer):
    name = "OBIE account access consent"

    def setup(self, client: httpx.Client) -> None:
        self.token = calls.ob_client_token(client, "accounts")

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        return calls.ob_ais_consent(client, self.token)

    def acknowledged_id(self, body: Any) -> str:
        return str(body["Data"]["ConsentId"])

    def read_back(self, client: httpx.Client, write: Write) -> None:
        path = f"{calls.AISP}/account-access-consents/{write.id}"
        read = calls.expect(client.get(path, headers=calls.bearer(self.token)), 200).json()
        assert read == write.body


class MoneyhubUsers(Writer):
    name = "Moneyhub user"

    def setup(self, client: httpx.Client) -> None:
        self.token = calls.moneyhub_token(client, "user:create user:read")

    def prepare(self, n: int) -> dict[str, Any]:
        return {"clientUserId": f"durable-{n}-{uuid.uuid4().hex[:8]}"}

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        return calls.moneyhub_register(client, self.token, request["clientUserId"])

    def acknowledged_id(self, body: Any) -> str:
        return str(body["userId"])

    def read_back(self, client: httpx.Client, write: Write) -> None:
        path = f"{calls.IDENTITY}/users/{write.id}"
        read = calls.expect(client.get(path, headers=calls.bearer(self.token)), 200).json()
        assert read == write.body
        assert read["clientUserId"] == write.request["clientUserId"]


class MogoPlusSubmissions(Writer):
    name = "MogoPlus submission"
    status = 202

    def setup(self, client: httpx.Client) -> None:
        immediate = client.put("/__admin/mogoplus/processing", json={"mode": "immediate"})
        calls.expect(immediate, 200)
        self.token = calls.mogoplus_token(client)

    def prepare(self, n: int) -> dict[str, Any]:
        return {"order": str(uuid.uuid4()), "reference": f"DURABLE-{n}"}

    def send(self, client: httpx.Client, request: dict[str, Any]) -> httpx.Response:
        body = calls.cdr_submission(request["order"], request["reference"])
        return client.post(calls.INSIGHTS, json=body, headers=calls.bearer(self.token))

    def acknowledged_id(self, body: Any) -> str:
        return str(body["data"]["insightsId"]["insightsId"])

    def read_back(self, client: httpx.Client, write: Write) -> None:
        (order,) = write.body["data"]["orderReports"]
        assert order["orderId"] == write.request["order"]
        report = client.get(
            f"{calls.INSIGHTS}/{write.id}/orders/{order['orderId']}",
            headers=calls.bearer(self.token),
        )
        assert calls.expect(report, 200).json()["meta"]["status"] == "COMPLETED"


def every_writer() -> list[Writer]:
    return [
        ObVrpPayments(),
        FenaVrpPayments(),
        ObAccessConsents(),
        MoneyhubUsers(),
        MogoPlusSubmissions(),
    ]
