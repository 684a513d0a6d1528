"""Two tenants of every provider in one namespace: A (PSU alice) and B (PSU bob)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import NamespacedClient
from tests.security.fena_tenant import FenaTenant, fena_tenant
from tests.security.mogoplus_tenant import MogoplusTenant, mogoplus_tenant
from tests.security.moneyhub_tenant import MoneyhubTenant, moneyhub_tenant
from tests.security.ob_tenant import ObTenant, ob_tenant

ORDER_A = "0b7e3c10-5a2d-4c1e-9f3a-7d6e5c4b3a21"
ORDER_B = "1c8f4d21-6b3e-4d2f-8a4b-8e7f6d5c4b32"


@dataclass
class World:
    api: NamespacedClient
    ob: tuple[ObTenant, ObTenant]
    fena: tuple[FenaTenant, FenaTenant]
    moneyhub: tuple[MoneyhubTenant, MoneyhubTenant]
    mogoplus: tuple[MogoplusTenant, MogoplusTenant]

    def tenants(self, provider: str) -> tuple[Any, Any]:
        """(A, B) of the provider."""
        pair: tuple[Any, Any] = getattr(self, provider)
        return pair


def build_world(api: NamespacedClient) -> World:
    processing = api.put("/__admin/mogoplus/processing", json={"mode": "immediate"})
    assert processing.status_code == 200, processing.text
    ob = (ob_tenant(api, "sec-tpp-a", "alice"), ob_tenant(api, "sec-tpp-b", "bob"))
    # Moneyhub connections copy the accounts' history: the savings accounts have little.
    alices, bobs = ([tpp.accounts["Savings"]] for tpp in ob)
    return World(
        api=api,
        ob=ob,
        fena=(fena_tenant(api, "a", "alice"), fena_tenant(api, "b", "bob")),
        moneyhub=(
            moneyhub_tenant(api, "a", "alice", alices),
            moneyhub_tenant(api, "b", "bob", bobs),
        ),
        mogoplus=(mogoplus_tenant(api, "a", ORDER_A), mogoplus_tenant(api, "b", ORDER_B)),
    )
