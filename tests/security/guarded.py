"""One bearer-protected operation of each mounted API, with the world's genuine token for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.moneyhub.helpers import DATA, IDENTITY
from tests.security.calls import Call, bearer
from tests.security.mogoplus_tenant import INSIGHTS
from tests.security.ob_tenant import AISP, PISP
from tests.security.world import World


@dataclass(frozen=True)
class Guarded:
    provider: str
    token: Callable[[World], str]  # a genuine token the call accepts
    call: Callable[[World, str], Call]  # the call, with the given token


def _token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


GUARDED = {
    "ob-aisp": Guarded(
        "ob", lambda w: w.ob[0].ais_token, lambda w, t: Call("GET", f"{AISP}/accounts", bearer(t))
    ),
    "ob-vrp": Guarded(
        "ob",
        lambda w: w.ob[0].tpp_token,
        lambda w, t: Call(
            "GET", f"{PISP}/domestic-vrp-consents/{w.ob[0].ids['vrp_consent']}", bearer(t)
        ),
    ),
    "moneyhub-identity": Guarded(
        "moneyhub",
        lambda w: _token_of(w.moneyhub[0].client_headers),
        lambda w, t: Call("GET", f"{IDENTITY}/users", bearer(t)),
    ),
    "moneyhub-data": Guarded(
        "moneyhub",
        lambda w: _token_of(w.moneyhub[0].user_headers),
        lambda w, t: Call("GET", f"{DATA}/accounts", bearer(t)),
    ),
    "mogoplus": Guarded(
        "mogoplus",
        lambda w: _token_of(w.mogoplus[0].headers),
        lambda w, t: Call("GET", f"{INSIGHTS}/{w.mogoplus[0].ids['insights']}", bearer(t)),
    ),
}
