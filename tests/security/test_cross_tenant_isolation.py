"""Tenant A never reaches tenant B's resources, on any operation of any mounted provider spec.

Two tenants of every provider share one namespace (``world``, see conftest): A's PSU is
alice, B's is bob. Each operation is probed as its classification says (``probes``); an
operation nobody classified fails ``test_every_mounted_operation_is_classified``.
"""

from __future__ import annotations

import pytest

from tests.security import fena_probes, ob_probes
from tests.security.calls import Call, bearer
from tests.security.ob_tenant import AISP
from tests.security.operations import Operation
from tests.security.probe_table import OPERATIONS, PROBED, PROBES
from tests.security.probes import Listing, Owned
from tests.security.refusals import assert_refused, leaked
from tests.security.world import World


def test_every_mounted_operation_is_classified() -> None:
    unclassified = [str(op) for op in OPERATIONS if op.key not in PROBES]
    assert not unclassified, "classify these in tests/security/*_probes.py"
    stale = set(PROBES) - {op.key for op in OPERATIONS}
    assert not stale, "these probes name operations no spec mounts any more"


def test_the_walk_covers_every_provider() -> None:
    assert {op.provider for op in PROBED} == {"ob", "fena", "moneyhub", "mogoplus"}


def _owned_probe(world: World, operation: Operation, probe: Owned) -> None:
    a, b = world.tenants(operation.provider)
    a_ids = {**a.ids, **(probe.fresh(a) if probe.fresh else {})}
    b_ids = {**b.ids, **(probe.fresh(b) if probe.fresh else {})}
    attempts = [probe.request(a, b_ids)]
    attempts += [probe.request(a, {**a_ids, key: b_ids[key]}) for key in probe.mixed]
    for attempt in attempts:
        response = attempt.send(world.api)
        assert_refused(operation.provider, response, probe.refused, attempt)
        assert not leaked(response, b, attempt), f"{attempt} shows B's data: {response.text}"
    # B's own call works (so its resource is still there), and so does A's on its own.
    for tenant, ids in ((b, b_ids), (a, a_ids)):
        call = probe.request(tenant, ids)
        answer = call.send(world.api)
        assert answer.status_code in probe.owner_statuses, f"{call}: {answer.text}"


def _listing_probe(world: World, operation: Operation, probe: Listing) -> None:
    a, b = world.tenants(operation.provider)
    own_call = probe.request(a, a.ids)
    own = own_call.send(world.api)
    assert own.status_code == 200, f"{own_call}: {own.text}"
    assert a.ids[probe.shows] in own.text, f"{own_call} does not show A's own {probe.shows}"
    assert not leaked(own, b, own_call), f"{own_call} shows B's data: {own.text}"
    # Filtered by B's ids (where the listing takes filters), it still shows nothing of B's.
    filtered_call = probe.request(a, b.ids)
    filtered = filtered_call.send(world.api)
    assert filtered.status_code in (200, 400, 403, 404), f"{filtered_call}: {filtered.text}"
    assert not leaked(filtered, b, filtered_call), f"{filtered_call} shows B's: {filtered.text}"


@pytest.mark.parametrize("operation", PROBED, ids=str)
def test_a_tenant_never_reaches_anothers_resources(world: World, operation: Operation) -> None:
    probe = PROBES[operation.key]
    if isinstance(probe, Owned):
        _owned_probe(world, operation, probe)
    else:
        assert isinstance(probe, Listing)
        _listing_probe(world, operation, probe)


def test_one_tpps_psus_never_see_each_others_accounts(world: World) -> None:
    """PSU A and PSU B of the same TPP: bob's token (his own consent) never opens alice's
    accounts, which the same TPP holds a consent for."""
    alices = world.ob[0]
    bobs_token = alices.approve(alices.new_ais_consent(), "accounts", psu="bob")
    mine = Call("GET", f"{AISP}/accounts", bearer(bobs_token)).send(world.api)
    assert mine.status_code == 200 and mine.json()["Data"]["Account"], mine.text
    assert not set(alices.accounts.values()) & {
        a["AccountId"] for a in mine.json()["Data"]["Account"]
    }
    for account in alices.accounts.values():
        theirs = Call("GET", f"{AISP}/accounts/{account}/balances", bearer(bobs_token))
        assert_refused("ob", theirs.send(world.api), {403: ob_probes.MISMATCH}, theirs)


def test_one_fena_clients_customers_never_see_each_others_accounts(world: World) -> None:
    """Two consents of one Fena client, alice's and bob's: an account of one through the
    other is not found."""
    client = world.fena[0]
    bobs, page = client.new_access_consent()
    assert client.approve(page, psu="bob")["status"] == "Authorised"
    for path in ("balances", "transactions"):
        call = client.call(
            "GET", f"/data/access-consents/{bobs}/accounts/{client.ids['account']}/{path}"
        )
        assert_refused("fena", call.send(world.api), fena_probes.NOT_FOUND, call)
