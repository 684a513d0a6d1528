"""OBIE VRP over HTTP: consent, PSU approval of a debtor account, funds check, payments, limits."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer, client_token, page_decide, page_login, start
from tests.ob.test_ais_journey import AISP, FULL, authorised_token
from tests.ob.vrp_helpers import CREDITOR, PISP, Tpp, consent_body, payment_body

OTHER = "UK.OBIE.VRPType.Other"


def alice_accounts(api: NamespacedClient) -> dict[str, dict[str, Any]]:
    """Alice's accounts by type, as the AIS API shows them (with balances)."""
    token, _ = authorised_token(api, [*FULL], psu="alice")
    listed = api.get(f"{AISP}/accounts", headers=bearer(token)).json()["Data"]["Account"]
    by_type: dict[str, dict[str, Any]] = {}
    for account in listed:
        balances = api.get(
            f"{AISP}/accounts/{account['AccountId']}/balances", headers=bearer(token)
        )
        booked = next(b for b in balances.json()["Data"]["Balance"] if b["Type"] == "InterimBooked")
        signed = Decimal(booked["Amount"]["Amount"])
        if booked["CreditDebitIndicator"] == "Debit":
            signed = -signed
        kind = {"CurrentAccount": "current", "Savings": "savings", "CreditCard": "card"}[
            account["AccountSubType"]
        ]
        by_type[kind] = {**account, "booked": signed, "token": token}
    return by_type


def booked_balance(api: NamespacedClient, token: str, account_id: str) -> Decimal:
    balances = api.get(f"{AISP}/accounts/{account_id}/balances", headers=bearer(token)).json()
    booked = next(b for b in balances["Data"]["Balance"] if b["Type"] == "InterimBooked")
    value = Decimal(booked["Amount"]["Amount"])
    return -value if booked["CreditDebitIndicator"] == "Debit" else value


# -- consents -----------------------------------------------------------------------------------


def test_create_read_and_delete_a_consent(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    body = consent_body()
    created = tpp.create_consent(body)
    assert created.status_code == 201, created.text
    data = created.json()["Data"]
    assert data["ConsentId"].startswith("vrpc-")
    assert data["Status"] == "AwaitingAuthorisation"
    assert data["ControlParameters"] == body["Data"]["ControlParameters"]
    assert data["Initiation"] == body["Data"]["Initiation"]
    assert "DebtorAccount" not in data
    assert created.json()["Risk"] == body["Risk"]
    path = urlsplit(created.json()["Links"]["Self"]).path
    assert path == f"{PISP}/domestic-vrp-consents/{data['ConsentId']}"
    url = f"{PISP}/domestic-vrp-consents/{data['ConsentId']}"
    token = bearer(tpp.client_token())
    assert api.get(url, headers=token).json()["Data"] == data
    assert api.delete(url, headers=token).status_code == 204
    gone = api.get(url, headers=token)
    assert gone.status_code == 400
    assert gone.json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Resource.NotFound"


def test_another_tpps_consent_is_forbidden(api: NamespacedClient) -> None:
    consent_id = Tpp(api).consent_id()
    other = api.get(
        f"{PISP}/domestic-vrp-consents/{consent_id}",
        headers=bearer(client_token(api, "payments")),
    )
    assert other.status_code == 403
    assert other.json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Resource.ConsentMismatch"


def error_of(response: Any) -> tuple[str, str | None]:
    entry = response.json()["Errors"][0]
    return entry["ErrorCode"], entry.get("Path")


def test_control_parameters_are_validated(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    fortnight = [
        {
            "PeriodType": "Fortnight",
            "PeriodAlignment": "Calendar",
            "Amount": "9.00",
            "Currency": "GBP",
        }
    ]
    cases = [
        (
            {"ValidToDateTime": "2001-01-01T00:00:00+00:00"},
            ("UK.OBIE.Field.InvalidDate", "Data.ControlParameters.ValidToDateTime"),
        ),
        (
            {"VRPType": ["UK.OBIE.VRPType.Lottery"]},
            ("UK.OBIE.Field.Invalid", "Data.ControlParameters.VRPType[0]"),
        ),
        (
            {"PSUAuthenticationMethods": ["UK.OBIE.Telepathy"]},
            ("UK.OBIE.Field.Invalid", "Data.ControlParameters.PSUAuthenticationMethods[0]"),
        ),
        (
            {"PeriodicLimits": fortnight},
            ("UK.OBIE.Field.Invalid", "Data.ControlParameters.PeriodicLimits[0].PeriodAlignment"),
        ),
        (
            {"MaximumIndividualAmount": {"Amount": "0.00", "Currency": "GBP"}},
            ("UK.OBIE.Field.Invalid", "Data.ControlParameters.MaximumIndividualAmount.Amount"),
        ),
    ]
    for controls, expected in cases:
        refused = tpp.create_consent(consent_body(**controls))
        assert refused.status_code == 400, controls
        assert error_of(refused) == expected
    missing = consent_body()
    del missing["Data"]["ControlParameters"]["PeriodicLimits"]
    assert tpp.create_consent(missing).status_code == 400


# -- authorisation ------------------------------------------------------------------------------


def test_the_page_offers_one_paying_account_and_records_the_choice(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    consent_id = tpp.consent_id()
    page = start(api, {**_authorize_params(tpp, consent_id)})
    shown = page_login(api, page, "alice")
    assert shown.status_code == 200
    html = shown.text
    assert "Choose the account to pay from" in html
    radios = re.findall(r'type="radio" name="accounts" value="([^"]+)"', html)
    accounts = alice_accounts(api)
    # Current and savings accounts can pay; the credit card cannot.
    assert sorted(radios) == sorted(
        [accounts["current"]["AccountId"], accounts["savings"]["AccountId"]]
    )
    assert "GBP 100.00" in html and "Acme Energy Ltd" in html
    decided = page_decide(api, page, True, [accounts["savings"]["AccountId"]])
    assert decided.status_code == 303
    consent = api.get(
        f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token())
    ).json()["Data"]
    assert consent["Status"] == "Authorised"
    identification = accounts["savings"]["Account"][0]["Identification"]
    assert consent["DebtorAccount"]["Identification"] == identification


def _authorize_params(tpp: Tpp, consent_id: str) -> dict[str, str]:
    query = urlsplit(tpp.authorize_url(consent_id)).query
    return dict(parse_qsl(query))


def test_headless_approval_pays_from_the_current_account(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    _, consent_id, _ = tpp.authorised()
    consent = api.get(
        f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token())
    ).json()["Data"]
    current = alice_accounts(api)["current"]
    assert consent["DebtorAccount"]["Identification"] == current["Account"][0]["Identification"]


def test_a_named_debtor_account_must_be_the_one_chosen(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    accounts = alice_accounts(api)
    savings = accounts["savings"]["Account"][0]
    body = consent_body()
    body["Data"]["Initiation"]["DebtorAccount"] = {
        "SchemeName": "SortCodeAccountNumber",  # the examples' un-namespaced form is accepted
        "Identification": savings["Identification"],
        "Name": savings["Name"],
    }
    consent_id = tpp.consent_id(body)
    refused = tpp.approve(consent_id, accounts=[accounts["current"]["AccountId"]])
    assert refused.status_code == 400
    page = start(api, _authorize_params(tpp, consent_id))
    html = page_login(api, page, "alice").text
    radios = re.findall(r'type="radio" name="accounts" value="([^"]+)"', html)
    assert radios == [accounts["savings"]["AccountId"]]
    assert tpp.approve(consent_id).status_code == 200


def test_a_rejected_consent_says_so(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    consent_id = tpp.consent_id()
    body = {"url": tpp.authorize_url(consent_id), "psu": "alice", "decision": "deny"}
    denied = api.post("/__admin/authorize", json=body)
    assert denied.status_code == 200 and "access_denied" in denied.json()["redirect"]
    consent = api.get(
        f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token())
    ).json()["Data"]
    assert consent["Status"] == "Rejected"


def test_an_account_access_scope_cannot_authorise_a_vrp_consent(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    consent_id = tpp.consent_id()
    url = tpp.authorize_url(consent_id).replace("openid+payments", "openid+accounts")
    refused = api.post("/__admin/authorize", json={"url": url, "psu": "alice"})
    assert refused.status_code == 400


# -- funds confirmation ---------------------------------------------------------------------------


def test_funds_confirmation_answers_from_the_balance(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    token, consent_id, _ = tpp.authorised()
    path = f"/domestic-vrp-consents/{consent_id}/funds-confirmation"

    def confirm(amount: str) -> dict[str, Any]:
        body = {
            "Data": {
                "ConsentId": consent_id,
                "Reference": "check",
                "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
            }
        }
        response = tpp.post(path, body, token, idempotent=False)
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["Data"]
        return data

    small = confirm("10.00")
    assert small["FundsAvailableResult"]["FundsAvailable"] == "Available"
    assert small["ConsentId"] == consent_id and small["Reference"] == "check"
    assert confirm("999999.00")["FundsAvailableResult"]["FundsAvailable"] == "NotAvailable"
    # The client-credentials token is not the PSU's grant for this consent.
    refused = tpp.post(
        path,
        {
            "Data": {
                "ConsentId": consent_id,
                "InstructedAmount": {"Amount": "1.00", "Currency": "GBP"},
            }
        },
        tpp.client_token(),
        idempotent=False,
    )
    assert refused.status_code == 403


# -- payments -------------------------------------------------------------------------------------


def test_payments_until_a_limit_refuses_one(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    accounts = alice_accounts(api)
    current = accounts["current"]
    token, consent_id, consent = tpp.authorised()
    first = tpp.pay(token, consent_id, consent, "100.00")
    assert first.status_code == 201, first.text
    data = first.json()["Data"]
    assert data["Status"] == "AcceptedSettlementCompleted"
    assert data["ConsentId"] == consent_id and data["DomesticVRPId"].startswith("vrp-")
    assert data["DebtorAccount"]["Identification"] == current["Account"][0]["Identification"]
    too_big = tpp.pay(token, consent_id, consent, "100.01")
    assert too_big.status_code == 400
    assert error_of(too_big) == (
        "UK.OBIE.Rules.FailsControlParameters",
        "Data.ControlParameters.MaximumIndividualAmount",
    )
    over_day = tpp.pay(token, consent_id, consent, "60.00")
    assert over_day.status_code == 400
    assert error_of(over_day) == (
        "UK.OBIE.Rules.FailsControlParameters",
        "Data.ControlParameters.PeriodicLimits[0]",
    )
    assert "50.00 left" in over_day.json()["Errors"][0]["Message"]
    assert tpp.pay(token, consent_id, consent, "50.00").status_code == 201
    assert tpp.pay(token, consent_id, consent, "0.01").status_code == 400
    # Refused payments move no money; the two that went are on the account.
    reader = current["token"]
    assert booked_balance(api, reader, current["AccountId"]) == current["booked"] - Decimal(
        "150.00"
    )
    listed = api.get(
        f"{AISP}/accounts/{current['AccountId']}/transactions", headers=bearer(reader)
    ).json()
    pages = [listed]
    while "Next" in pages[-1]["Links"]:
        next_path = urlsplit(pages[-1]["Links"]["Next"])
        pages.append(api.get(f"{next_path.path}?{next_path.query}", headers=bearer(reader)).json())
    rows = [t for p in pages for t in p["Data"]["Transaction"]]
    vrps = [t for t in rows if t.get("TransactionReference") == "ENERGY-123"]
    # In booking order, each with the running balance after it.
    assert [t["Amount"]["Amount"] for t in vrps] == ["100.00", "50.00"]
    assert all(t["CreditDebitIndicator"] == "Debit" for t in vrps)
    assert vrps[-1]["CreditorAccount"]["Identification"] == CREDITOR["Identification"]
    assert [t["Balance"]["Amount"]["Amount"] for t in vrps] == [
        format(abs(current["booked"] - spent), ".2f") for spent in (Decimal(100), Decimal(150))
    ]
    # A new day of the sandbox clock is a new period.
    assert api.post("/__admin/clock/advance", json={"seconds": 86400}).status_code == 200
    assert tpp.pay(tpp.renew(), consent_id, consent, "100.00").status_code == 201


def test_calendar_month_limits_and_the_validity_window(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    api.put("/__admin/clock", json={"now": "2026-05-30T10:00:00Z", "frozen": True})
    body = consent_body(
        PeriodicLimits=[
            {
                "PeriodType": "Month",
                "PeriodAlignment": "Calendar",
                "Amount": "120.00",
                "Currency": "GBP",
            }
        ],
        ValidToDateTime="2026-07-15T00:00:00+00:00",
    )
    token, consent_id, consent = tpp.authorised(body)
    assert tpp.pay(token, consent_id, consent, "100.00").status_code == 201
    assert tpp.pay(token, consent_id, consent, "30.00").status_code == 400
    # 1 June starts a new calendar month: the limit is whole again.
    api.put("/__admin/clock", json={"now": "2026-06-01T00:00:01Z", "frozen": True})
    assert tpp.pay(tpp.renew(), consent_id, consent, "100.00").status_code == 201
    api.put("/__admin/clock", json={"now": "2026-07-15T00:00:00Z", "frozen": True})
    expired = tpp.pay(tpp.renew(), consent_id, consent, "1.00")
    assert error_of(expired) == (
        "UK.OBIE.Rules.FailsControlParameters",
        "Data.ControlParameters.ValidToDateTime",
    )


def test_a_payment_must_match_its_consent(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    token, consent_id, consent = tpp.authorised()
    changed = payment_body(consent_id, consent, "10.00")
    changed["Data"]["Initiation"]["RemittanceInformation"]["Reference"] = "OTHER"
    refused = tpp.post("/domestic-vrps", changed, token)
    assert error_of(refused) == ("UK.OBIE.Resource.ConsentMismatch", "Data.Initiation")
    risk = payment_body(consent_id, consent, "10.00")
    risk["Risk"] = {"PaymentContextCode": "EcommerceGoods"}
    assert error_of(tpp.post("/domestic-vrps", risk, token))[1] == "Risk"
    payee = payment_body(consent_id, consent, "10.00")
    payee["Data"]["Instruction"]["CreditorAccount"] = {
        **CREDITOR,
        "Identification": "20000099999999",
    }
    assert (
        error_of(tpp.post("/domestic-vrps", payee, token))[1] == "Data.Instruction.CreditorAccount"
    )
    sweeping = payment_body(consent_id, consent, "10.00")
    sweeping["Data"]["VRPType"] = "UK.OBIE.VRPType.Sweeping"
    assert error_of(tpp.post("/domestic-vrps", sweeping, token)) == (
        "UK.OBIE.Rules.FailsControlParameters",
        "Data.ControlParameters.VRPType",
    )
    other_consent = payment_body("vrpc-unknown", consent, "10.00")
    mismatch = tpp.post("/domestic-vrps", other_consent, token)
    assert error_of(mismatch) == ("UK.OBIE.Resource.ConsentMismatch", "Data.ConsentId")


def test_tokens_other_than_the_psus_grant_cannot_pay(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    _, consent_id, consent = tpp.authorised()
    body = payment_body(consent_id, consent, "10.00")
    assert tpp.post("/domestic-vrps", body, tpp.client_token()).status_code == 403
    ais_token, _ = authorised_token(api, [*FULL])
    # An account-information token lacks the payments scope altogether.
    assert tpp.post("/domestic-vrps", body, ais_token).status_code == 403


def test_insufficient_funds_reject_the_payment_and_move_nothing(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    accounts = alice_accounts(api)
    savings = accounts["savings"]
    body = consent_body(
        MaximumIndividualAmount={"Amount": "50000.00", "Currency": "GBP"},
        PeriodicLimits=[
            {
                "PeriodType": "Year",
                "PeriodAlignment": "Consent",
                "Amount": "60000.00",
                "Currency": "GBP",
            }
        ],
    )
    token, consent_id, consent = tpp.authorised(body, accounts=[savings["AccountId"]])
    too_much = format(savings["booked"] + Decimal("1.00"), ".2f")
    rejected = tpp.pay(token, consent_id, consent, too_much)
    assert rejected.status_code == 201
    data = rejected.json()["Data"]
    assert data["Status"] == "Rejected" and data["StatusReason"] == "UK.OBIE.OtherReason"
    details = api.get(
        f"{PISP}/domestic-vrps/{data['DomesticVRPId']}/payment-details", headers=bearer(token)
    ).json()["Data"]["PaymentStatus"][0]
    assert details["Status"] == "Rejected"
    assert booked_balance(api, savings["token"], savings["AccountId"]) == savings["booked"]
    # A rejected payment does not use up the limits.
    assert tpp.pay(token, consent_id, consent, "10.00").status_code == 201


def test_sweeping_to_an_own_account_credits_it(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    accounts = alice_accounts(api)
    current, savings = accounts["current"], accounts["savings"]
    body = consent_body(VRPType=["UK.OBIE.VRPType.Sweeping"])
    body["Data"]["Initiation"]["CreditorAccount"] = {
        "SchemeName": "UK.OBIE.SortCodeAccountNumber",
        "Identification": savings["Account"][0]["Identification"],
        "Name": savings["Account"][0]["Name"],
    }
    token, consent_id, consent = tpp.authorised(body, accounts=[current["AccountId"]])
    assert tpp.pay(token, consent_id, consent, "75.00").status_code == 201
    reader = current["token"]
    assert booked_balance(api, reader, savings["AccountId"]) == savings["booked"] + 75
    assert booked_balance(api, reader, current["AccountId"]) == current["booked"] - 75


def test_read_a_payment_and_its_details(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    token, consent_id, consent = tpp.authorised()
    made = tpp.pay(token, consent_id, consent, "12.34").json()
    payment_id = made["Data"]["DomesticVRPId"]
    for credentials in (token, tpp.client_token()):
        read = api.get(f"{PISP}/domestic-vrps/{payment_id}", headers=bearer(credentials))
        assert read.status_code == 200 and read.json()["Data"] == made["Data"]
    details = api.get(
        f"{PISP}/domestic-vrps/{payment_id}/payment-details", headers=bearer(token)
    ).json()["Data"]["PaymentStatus"]
    assert details[0]["Status"] == "AcceptedSettlementCompleted"
    unknown = api.get(f"{PISP}/domestic-vrps/vrp-nope", headers=bearer(token))
    assert unknown.status_code == 400
    foreign = api.get(
        f"{PISP}/domestic-vrps/{payment_id}", headers=bearer(client_token(api, "payments"))
    )
    assert foreign.status_code == 403


def test_deleting_the_consent_ends_its_tokens(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    token, consent_id, consent = tpp.authorised()
    deleted = api.delete(
        f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp.client_token())
    )
    assert deleted.status_code == 204
    refused = tpp.pay(token, consent_id, consent, "1.00")
    assert refused.status_code == 401 and refused.content == b""


# -- idempotency ----------------------------------------------------------------------------------


def test_an_idempotency_key_replays_the_original_payment(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    accounts = alice_accounts(api)
    current = accounts["current"]
    token, consent_id, consent = tpp.authorised()
    first = tpp.pay(token, consent_id, consent, "40.00", key="pay-1")
    again = tpp.pay(token, consent_id, consent, "40.00", key="pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["Data"] == first.json()["Data"]
    assert booked_balance(api, current["token"], current["AccountId"]) == current["booked"] - 40
    changed = tpp.pay(token, consent_id, consent, "41.00", key="pay-1")
    assert changed.status_code == 409
    assert error_of(changed) == ("UK.OBIE.Rules.ResourceAlreadyExists", "x-idempotency-key")
    # Consents too: the same key and body give the same consent.
    body = consent_body()
    one = tpp.create_consent(body, key="consent-1").json()["Data"]["ConsentId"]
    assert tpp.create_consent(body, key="consent-1").json()["Data"]["ConsentId"] == one
    # After 24 hours the key is free again (the TPP's token has expired by then too).
    api.post("/__admin/clock/advance", json={"seconds": 86401})
    tpp._token = None
    assert tpp.create_consent(body, key="consent-1").json()["Data"]["ConsentId"] != one


def test_the_idempotency_key_is_required(api: NamespacedClient) -> None:
    tpp = Tpp(api)
    refused = tpp.create_consent(idempotent=False)
    assert error_of(refused) == ("UK.OBIE.Header.Missing", "x-idempotency-key")
    too_long = tpp.create_consent(headers={"x-idempotency-key": "k" * 41})
    assert error_of(too_long) == ("UK.OBIE.Header.Invalid", "x-idempotency-key")
