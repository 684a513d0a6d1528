"""What the PSU approves: providers plug their consents into the shared page and decisions.

A ``ConsentAdapter`` describes, for the consent page, what an authorisation request asks for,
and records the PSU's decision on the provider's own consent (or connection, or payment). It
returns the claims the resulting tokens should carry (e.g. OBIE's ``openbanking_intent_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mockserver.core.errors import ApiError
from mockserver.core.store import Tx


@dataclass(frozen=True)
class ConsentSummary:
    """What the consent page shows."""

    title: str
    # What is asked, in plain words, one line each.
    asks: tuple[str, ...]
    # Payment details (label, value): amounts, limits, payee, reference.
    payment: tuple[tuple[str, str], ...] = ()
    # Whether the PSU picks accounts at all, and whether exactly one (a payment's debtor).
    choose_accounts: bool = True
    single_account: bool = False
    # The PSU's accounts that may be picked (None: all of them).
    eligible_accounts: tuple[str, ...] | None = None
    expires: str | None = None


@dataclass(frozen=True)
class Decision:
    approved: bool
    psu: str
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a decision yields for the tokens issued after it."""

    consent_id: str | None = None
    subject: str | None = None  # the token's sub; default: the PSU's username
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    access_token_claims: dict[str, Any] = field(default_factory=dict)
    # Providers whose page is not an OAuth authorisation (Fena's hosted consent) send the
    # browser back with their own parameters instead of a code or an error.
    redirect_params: dict[str, str] | None = None


class ConsentAdapter(Protocol):
    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        """What the page shows; ``ApiError`` when the consent cannot be decided now."""
        ...

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome: ...


class ScopeConsent:
    """For requests with no consent object of their own: the scopes are what is approved."""

    def __init__(self, title: str, scope_words: dict[str, str]) -> None:
        self._title = title
        self._words = scope_words

    def describe(self, tx: Tx, ns: str, request: dict[str, Any]) -> ConsentSummary:
        if request.get("consent_id") is not None:
            # A request naming a consent needs the provider's adapter to know that consent.
            raise ApiError(400, f"consent {request['consent_id']} is not known to this provider")
        asks = tuple(self._words.get(s, s) for s in request["scope"] if s != "openid")
        return ConsentSummary(title=self._title, asks=asks or ("Confirm who you are",))

    def decide(self, tx: Tx, ns: str, request: dict[str, Any], decision: Decision) -> Outcome:
        self.describe(tx, ns, request)
        return Outcome()


class ConsentRegistry:
    """The adapter each provider registered (a provider without one approves scopes only)."""

    def __init__(self) -> None:
        self._adapters: dict[str, ConsentAdapter] = {}

    def register(self, provider: str, adapter: ConsentAdapter) -> None:
        self._adapters[provider] = adapter

    def for_provider(self, provider: str) -> ConsentAdapter:
        return self._adapters.get(provider) or ScopeConsent("Confirm access", {})
