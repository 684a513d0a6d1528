"""The MogoPlus operations, classified (see ``probes``). Another client's insights are not
found (404, as the insights module says: not a 403), and so is an order of other insights."""

from __future__ import annotations

from tests.security.calls import Call
from tests.security.mogoplus_tenant import MogoplusTenant
from tests.security.probes import AUTH_SERVER, CREATES, Ids, Owned, Probe, Unscoped

NOT_FOUND = {404: frozenset({"urn:au-cds:error:cds-all:Resource/NotFound"})}
MOUNT = "/mogoplus"


def insights(method: str, path: str) -> Owned:
    def request(t: MogoplusTenant, ids: Ids) -> Call:
        return t.call(method, path.format(**ids))

    return Owned(request, NOT_FOUND, mixed=("order",) if "{order}" in path else ())


def _purge(t: MogoplusTenant, ids: Ids) -> Call:
    return t.call("DELETE", f"/{ids['insights']}")


PROBES: dict[tuple[str, str], Probe] = {
    (MOUNT, "token"): Unscoped(AUTH_SERVER),
    (MOUNT, "submit_insights"): Unscoped(CREATES),
    (MOUNT, "get_insights"): insights("GET", "/{insights}"),
    (MOUNT, "get_insights_order"): insights("GET", "/{insights}/orders/{order}"),
    (MOUNT, "purge_insights"): Owned(
        _purge, NOT_FOUND, fresh=lambda t: {"insights": t.new_insights()}
    ),
}
