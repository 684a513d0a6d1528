"""Where a Fena customer approves a consent: the sandbox's bank page, under ``/fena/consent``.

Fena is an aggregator: it hands the client an ``authUrl`` at the customer's bank and no OAuth
server of its own. The sandbox plays every bank with the shared consent page; this profile
only gives that page its path (the OAuth paths below are never mounted) and a lifetime long
enough for a customer who opens the link later that day.
"""

from __future__ import annotations

from mockserver.core.oauth.profile import AuthServerProfile

FENA_BANK = AuthServerProfile(
    provider="fena",
    issuer_path="/fena",
    authorization_path="/fena/consent/authorize",
    token_path="/fena/consent/token",
    jwks_path="/fena/consent/jwks",
    consent_path="/fena/consent",
    request_lifetime=24 * 3600,
)
