"""Operation handlers of the OBIE specs (specs/openbanking_uk_*.yaml)."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core.oauth import endpoints
from mockserver.providers.ob import aisp_consents
from mockserver.providers.ob.auth import OB_AUTH


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


async def create_account_access_consent(body: dict[str, Any]) -> ConnexionResponse:
    return aisp_consents.create_reply(body)


async def get_account_access_consent(ConsentId: str) -> ConnexionResponse:
    return aisp_consents.get_reply(ConsentId)


async def delete_account_access_consent(ConsentId: str) -> ConnexionResponse:
    return aisp_consents.delete_reply(ConsentId)
