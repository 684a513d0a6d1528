"""The four emulated providers, as the platform sees them."""

from __future__ import annotations

from mockserver.core.providers import Mount, Provider
from mockserver.providers.fena import errors as fena_errors
from mockserver.providers.fena import events as fena_events
from mockserver.providers.fena.bank_login import FENA_BANK
from mockserver.providers.fena.consent_kinds import FenaConsents
from mockserver.providers.mogoplus import errors as mogoplus_errors
from mockserver.providers.mogoplus.auth import MOGOPLUS_AUTH
from mockserver.providers.moneyhub import errors as moneyhub_errors
from mockserver.providers.moneyhub import live_updates as moneyhub_live_updates
from mockserver.providers.moneyhub.consent_page import MoneyhubConsents
from mockserver.providers.moneyhub.identity_profile import MONEYHUB_AUTH
from mockserver.providers.ob import errors as ob_errors
from mockserver.providers.ob.auth import OB_AUTH
from mockserver.providers.ob.consent_kinds import ObConsents

PROVIDERS: tuple[Provider, ...] = (
    Provider(
        key="ob",
        title="UK Open Banking v3.1",
        prefix="/ob",
        mounts=(
            Mount("/ob", "openbanking_uk_auth.yaml", "auth"),
            Mount("/ob/open-banking/v3.1/aisp", "openbanking_uk_aisp.yaml", "aisp"),
            Mount("/ob/open-banking/v3.1/pisp", "openbanking_uk_vrp.yaml", "vrp"),
        ),
        envelope=ob_errors.envelope,
        fapi_interaction_id=True,
        # The reference v3.1.11 specs declare these error responses without content, and the
        # profile says a 401 comes "without any error response".
        bodiless_statuses=frozenset({401, 404, 405, 406, 415, 429}),
        auth_server=OB_AUTH,
        consent_adapter=ObConsents,
    ),
    Provider(
        key="fena",
        title="Fena Account and Transaction Data API 1.0.1",
        prefix="/fena",
        mounts=(Mount("/fena", "fena.yaml", "fena"),),
        envelope=fena_errors.envelope,
        auth_server=FENA_BANK,
        consent_adapter=FenaConsents,
        booking_listener=fena_events.on_booking,
    ),
    Provider(
        key="moneyhub",
        title="Moneyhub",
        prefix="/moneyhub",
        mounts=(
            Mount("/moneyhub/identity", "moneyhub_identity.yaml", "identity"),
            Mount("/moneyhub/api/v2.0", "moneyhub_data.yaml", "data"),
        ),
        envelope=moneyhub_errors.envelope,
        auth_server=MONEYHUB_AUTH,
        consent_adapter=MoneyhubConsents,
        booking_listener=moneyhub_live_updates.on_booking,
    ),
    Provider(
        key="mogoplus",
        title="MogoPlus banking data insights",
        prefix="/mogoplus",
        mounts=(Mount("/mogoplus", "mogoplus.yaml", "insights"),),
        envelope=mogoplus_errors.envelope,
        auth_server=MOGOPLUS_AUTH,
        fapi_interaction_id=True,
    ),
)

PROVIDER_KEYS: tuple[str, ...] = tuple(p.key for p in PROVIDERS)
