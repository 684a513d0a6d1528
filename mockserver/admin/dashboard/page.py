"""The dashboard page, ``GET /__admin/``: a server-rendered shell whose inline script polls the
admin JSON API (every 1.5 s) and draws the journal chart itself.

The HTML holds no namespace data, only the layout and the namespace to start in: everything
shown comes from the admin API, with the namespace header and (when the server has one) the
admin token as a bearer token. Rendered with Jinja2 from ``mockserver/core/templates/`` (the
loader of the consent page), autoescaped; no external assets.
"""

from __future__ import annotations

from connexion.lifecycle import ConnexionResponse

from mockserver.core.html import pages
from mockserver.core.oauth.page import BRANDS
from mockserver.providers import PROVIDERS

POLL_MS = 1500
LABELS = {"ob": "UK Open Banking", "fena": "Fena", "moneyhub": "Moneyhub", "mogoplus": "MogoPlus"}


def render(ns: str) -> str:
    providers = [
        {
            "key": p.key,
            "name": LABELS.get(p.key, p.key),
            "colour": BRANDS.get(p.key, {}).get("colour", "#444"),
        }
        for p in PROVIDERS
    ]
    return pages.get_template("dashboard.html").render(
        namespace=ns, providers=providers, poll_ms=POLL_MS
    )


def page_response(ns: str) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=200,
        mimetype="text/html",
        body=render(ns).encode("utf-8"),
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )
