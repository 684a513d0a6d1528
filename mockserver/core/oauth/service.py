"""The identity services of a running sandbox: keys, tokens, profiles and consent adapters."""

from __future__ import annotations

from mockserver.core.ids import Ids
from mockserver.core.keys import SigningKeys
from mockserver.core.oauth.consents import ConsentRegistry
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.store import Store
from mockserver.core.tokens import Tokens


class Identity:
    def __init__(self, store: Store, ids: Ids) -> None:
        self.keys = SigningKeys(store)
        self.tokens = Tokens(self.keys, ids)
        self.consents = ConsentRegistry()
        self._profiles: dict[str, AuthServerProfile] = {}

    def register(self, profile: AuthServerProfile) -> None:
        self._profiles[profile.provider] = profile

    def profile(self, provider: str) -> AuthServerProfile:
        return self._profiles[provider]

    def profiles(self) -> tuple[AuthServerProfile, ...]:
        return tuple(self._profiles.values())
