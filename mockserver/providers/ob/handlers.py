"""Operation handlers of the OBIE specs (specs/openbanking_uk_*.yaml)."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core.errors import ApiError
from mockserver.core.oauth import endpoints
from mockserver.providers.ob import aisp, aisp_consents, vrp
from mockserver.providers.ob.auth import OB_AUTH


def _json_object(body: Any) -> dict[str, Any]:
    """The specs also list ``application/jose+jwe`` (encrypted) bodies, which Connexion hands
    over unread and the sandbox cannot decrypt: a 415, as the profile's error table has it for
    a payload format the resource does not support (it was a 500)."""
    if not isinstance(body, dict):
        raise ApiError(415, "the sandbox reads JSON bodies only, not encrypted payloads")
    return body


async def discovery() -> ConnexionResponse:
    return endpoints.discovery(OB_AUTH)


async def jwks() -> ConnexionResponse:
    return endpoints.jwks()


async def authorize(**params: Any) -> ConnexionResponse:
    return endpoints.authorize(OB_AUTH, {k: str(v) for k, v in params.items()})


async def token(body: dict[str, Any]) -> ConnexionResponse:
    return endpoints.token(OB_AUTH, body)


async def pushed_authorization(body: dict[str, Any]) -> ConnexionResponse:
    return endpoints.pushed_authorization(OB_AUTH, body)


# -- account access consents (TPP token) -------------------------------------------------------


async def create_account_access_consent(body: Any) -> ConnexionResponse:
    return aisp_consents.create_reply(_json_object(body))


async def get_account_access_consent(ConsentId: str) -> ConnexionResponse:
    return aisp_consents.get_reply(ConsentId)


async def delete_account_access_consent(ConsentId: str) -> ConnexionResponse:
    return aisp_consents.delete_reply(ConsentId)


# -- account information (PSU token) -----------------------------------------------------------


async def get_accounts(page: int | None = None) -> ConnexionResponse:
    return aisp.accounts(None, page)


async def get_account(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.accounts(AccountId, page)


async def get_balances(page: int | None = None) -> ConnexionResponse:
    return aisp.balances(None, page)


async def get_account_balances(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.balances(AccountId, page)


async def get_transactions(
    fromBookingDateTime: Any = None, toBookingDateTime: Any = None, page: int | None = None
) -> ConnexionResponse:
    query = {"fromBookingDateTime": fromBookingDateTime, "toBookingDateTime": toBookingDateTime}
    return aisp.transactions(None, {**query, "page": page})


async def get_account_transactions(
    AccountId: str,
    fromBookingDateTime: Any = None,
    toBookingDateTime: Any = None,
    page: int | None = None,
) -> ConnexionResponse:
    query = {"fromBookingDateTime": fromBookingDateTime, "toBookingDateTime": toBookingDateTime}
    return aisp.transactions(AccountId, {**query, "page": page})


async def get_beneficiaries(page: int | None = None) -> ConnexionResponse:
    return aisp.beneficiaries(None, page)


async def get_account_beneficiaries(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.beneficiaries(AccountId, page)


async def get_direct_debits(page: int | None = None) -> ConnexionResponse:
    return aisp.direct_debits(None, page)


async def get_account_direct_debits(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.direct_debits(AccountId, page)


async def get_standing_orders(page: int | None = None) -> ConnexionResponse:
    return aisp.standing_orders(None, page)


async def get_account_standing_orders(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.standing_orders(AccountId, page)


async def get_scheduled_payments(page: int | None = None) -> ConnexionResponse:
    return aisp.scheduled_payments(None, page)


async def get_account_scheduled_payments(
    AccountId: str, page: int | None = None
) -> ConnexionResponse:
    return aisp.scheduled_payments(AccountId, page)


async def get_offers(page: int | None = None) -> ConnexionResponse:
    return aisp.offers(None, page)


async def get_account_offers(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.offers(AccountId, page)


async def get_products(page: int | None = None) -> ConnexionResponse:
    return aisp.products(None, page)


async def get_account_product(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.products(AccountId, page)


async def get_party() -> ConnexionResponse:
    return aisp.party(None)


async def get_account_party(AccountId: str) -> ConnexionResponse:
    return aisp.party(AccountId)


async def get_account_parties(AccountId: str, page: int | None = None) -> ConnexionResponse:
    return aisp.parties(AccountId, page)


async def get_statements(
    fromStatementDateTime: Any = None, toStatementDateTime: Any = None, page: int | None = None
) -> ConnexionResponse:
    query = {
        "fromStatementDateTime": fromStatementDateTime,
        "toStatementDateTime": toStatementDateTime,
    }
    return aisp.statements(None, None, {**query, "page": page})


async def get_account_statements(
    AccountId: str,
    fromStatementDateTime: Any = None,
    toStatementDateTime: Any = None,
    page: int | None = None,
) -> ConnexionResponse:
    query = {
        "fromStatementDateTime": fromStatementDateTime,
        "toStatementDateTime": toStatementDateTime,
    }
    return aisp.statements(AccountId, None, {**query, "page": page})


async def get_account_statement(
    AccountId: str, StatementId: str, page: int | None = None
) -> ConnexionResponse:
    return aisp.statements(AccountId, StatementId, {"page": page})


async def get_account_statement_file(AccountId: str, StatementId: str) -> ConnexionResponse:
    return aisp.statement_file(AccountId, StatementId)


async def get_account_statement_transactions(
    AccountId: str,
    StatementId: str,
    fromBookingDateTime: Any = None,
    toBookingDateTime: Any = None,
    page: int | None = None,
) -> ConnexionResponse:
    query = {"fromBookingDateTime": fromBookingDateTime, "toBookingDateTime": toBookingDateTime}
    return aisp.statement_transactions(AccountId, StatementId, {**query, "page": page})


# -- variable recurring payments ---------------------------------------------------------------


async def create_domestic_vrp_consent(body: Any) -> ConnexionResponse:
    return vrp.create_consent_reply(_json_object(body))


async def get_domestic_vrp_consent(ConsentId: str) -> ConnexionResponse:
    return vrp.get_consent_reply(ConsentId)


async def delete_domestic_vrp_consent(ConsentId: str) -> ConnexionResponse:
    return vrp.delete_consent_reply(ConsentId)


async def confirm_vrp_funds(ConsentId: str, body: Any) -> ConnexionResponse:
    return vrp.confirm_funds_reply(ConsentId, _json_object(body))


async def create_domestic_vrp(body: Any) -> ConnexionResponse:
    return vrp.create_payment_reply(_json_object(body))


async def get_domestic_vrp(DomesticVRPId: str) -> ConnexionResponse:
    return vrp.get_payment_reply(DomesticVRPId)


async def get_domestic_vrp_details(DomesticVRPId: str) -> ConnexionResponse:
    return vrp.payment_details_reply(DomesticVRPId)
