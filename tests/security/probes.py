"""How each provider operation is probed for isolation between tenants.

Every mounted operation is classified once (the ``*_probes`` modules):

- ``Owned``: it reads or changes one resource named by id (in the path or the body). Tenant A's
  credentials on tenant B's resource must get the provider's documented refusal, while B's own
  call and A's call on its own resource succeed (so the refusal is about ownership, not a bad
  request or a missing permission).
- ``Listing``: it lists what the caller may see, optionally filtered by ids. A's listing shows
  A's resource and nothing of B's, even when filtered by B's ids.
- ``Unscoped``: it touches no tenant's existing resource (a public catalogue, the
  authorisation server, or the creation of a new resource of the caller), with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.security.calls import Call

Ids = dict[str, str]
Request = Callable[[Any, Ids], Call]  # (acting tenant, ids of the resources named) -> Call


@dataclass(frozen=True)
class Owned:
    request: Request
    # The refusal: status -> the provider error codes it may carry (empty: any code).
    refused: dict[int, frozenset[str]]
    # Destructive operations get resources of their own: tenant -> ids (overriding its ids).
    fresh: Callable[[Any], Ids] | None = None
    # Child ids tried as the other tenant's under the actor's own parent (A's consent with
    # B's account, A's user with B's connection...).
    mixed: tuple[str, ...] = ()
    # What the owner's own call answers (an operation with nothing to find answers 404).
    owner_statuses: tuple[int, ...] = (200, 201, 202, 204)


@dataclass(frozen=True)
class Listing:
    request: Request  # ids: the filters, if the listing takes any
    shows: str  # the id (key in the tenant's ids) the actor's own listing must show


@dataclass(frozen=True)
class Unscoped:
    reason: str


Probe = Owned | Listing | Unscoped

CREATES = "creates a new resource of the caller; the probes of its reads cover what it made"
AUTH_SERVER = "the authorisation server: the token, assertion and redirect tests cover it"
CATALOGUE = "a public catalogue, the same for every client"
