"""Headers that get a request past each mount's security, so bad input reaches validation and
the handlers: tenant A's credentials of the world, by mount."""

from __future__ import annotations

import base64

from tests.moneyhub.helpers import DATA, IDENTITY
from tests.security import sandbox_clients
from tests.security.calls import bearer
from tests.security.mogoplus_tenant import INSIGHTS
from tests.security.ob_tenant import AISP, PISP
from tests.security.operations import Operation
from tests.security.world import World


def credentials(world: World, operation: Operation) -> dict[str, str]:
    ob, fena, moneyhub, mogoplus = world.ob[0], world.fena[0], world.moneyhub[0], world.mogoplus[0]
    by_mount = {
        AISP: bearer(ob.ais_token),
        # The PSU's VRP token has the payments scope every VRP operation asks for.
        PISP: {**bearer(ob.vrp_token), "x-idempotency-key": "sec-bad-input"},
        "/fena": fena.headers,
        IDENTITY: moneyhub.client_headers,
        DATA: moneyhub.user_headers,
        INSIGHTS.removesuffix("/cdr-data/v2/banking-data-insights"): mogoplus.headers,
    }
    if operation.base_path in by_mount:
        return by_mount[operation.base_path]
    # The OBIE authorisation server: its token and PAR endpoints take the client's Basic auth.
    raw = ":".join(sandbox_clients.OB).encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
