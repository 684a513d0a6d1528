"""Fena: an authorised account access consent; a VRP consent, an executed and a rejected
payment (6.66 is the sandbox's magic amount a bank rejects)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from mockserver.client import SandboxError, SandboxNamespace, json_body

REDIRECT = "http://localhost:3000/callback"


def play(space: SandboxNamespace) -> list[str]:
    headers = space.fena_headers()
    created = json_body(
        space.client.post(
            "/fena/data/access-consents",
            json={
                "provider": "ob-lloyds-personal",
                "customerConsentId": "demo-order-1",
                "Option": {"RedirectUri": REDIRECT},
            },
            headers=headers,
        )
    )["result"]
    _expect(space.approve(created["authUrl"]), "Authorised")
    made = [f"Fena account access consent {created['consentID']}: Authorised"]

    answer = space.client.post(
        "/fena/payment/vrp-consent",
        json={
            "provider": "ob-natwest",
            "reference": "SWEEP",
            "beneficiary": {
                "identificationType": "SortCodeAccountNumber",
                "sortCode": "040004",
                "accountNumber": "11397104",
                "name": "Isaac Harper",
            },
            "maximumIndividualAmount": "50.00",
            "periodicLimits": [
                {"periodType": "Month", "periodAlignment": "Calendar", "amount": "200.00"}
            ],
            "vrpType": ["Sweeping"],
            "psuAuthenticationMethods": ["SCANotRequired"],
            "option": {"redirectUri": REDIRECT},
        },
        headers=headers,
    )
    consent = json_body(answer)["result"]["vrp_consent"]
    _expect(space.approve(answer.headers["X-Sandbox-Auth-Url"]), "authorized")
    made.append(f"Fena VRP consent {consent['id']}: authorized (50.00 a payment, 200.00 a month)")
    for amount in ("25.00", "6.66"):
        payment = json_body(
            space.client.post(
                "/fena/payment/vrp",
                json={
                    "vrpConsentId": consent["id"],
                    "amount": amount,
                    "psuAuthenticationMethod": "SCANotRequired",
                },
                headers=headers,
            )
        )["result"]["vrp_payment"]
        made.append(f"Fena VRP payment {payment['id']}: {amount}, {payment['status']}")
    return made


def _expect(redirect: str, status: str) -> None:
    got = parse_qs(urlsplit(redirect).query).get("status", ["?"])[0]
    if got != status:
        raise SandboxError(f"the bank page sent the customer back with status {got}")
