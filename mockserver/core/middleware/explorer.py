"""The API explorer: Swagger UI for every mounted spec at ``{mount}/ui/``, and the landing page.

- ``GET /``: a server-rendered page linking every mount's explorer and spec, the dashboard and
  the admin explorer, with the quick start and the sandbox identities.
- ``GET {mount}/ui/``: Swagger UI over ``{mount}/openapi.json`` (the cached bytes that
  ``SpecFileMiddleware`` serves, never Connexion's per-request rebuild), with the credentials of
  the provider's sandbox clients on the page and filled in where Swagger UI can take them, so
  "Try it out" works against this same server. ``{mount}/ui`` redirects there.
- ``GET /__explorer/assets/swagger-ui-<version>/<file>``: Swagger UI's files, from the
  ``swagger-ui-bundle`` package (nothing from the internet), cacheable for a year because the
  version is in the path. ``/__explorer/oauth2-redirect.html`` is Swagger UI's OAuth2 redirect
  page at a stable URL that clients can register.

Everything is GET or HEAD (anything else is a 405 in the called provider's envelope); links are
absolute, built from the request's own scheme and host (``X-Forwarded-Proto``/``-Host``), and
carry the namespace (``?sandbox_namespace=``) when one was given.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from mockserver import __version__
from mockserver.core import context
from mockserver.core.asgi import ASGIApp, Receive, Scope, Send
from mockserver.core.errors import ApiError
from mockserver.core.html import pages
from mockserver.core.middleware.context import ADMIN_PREFIX
from mockserver.core.providers import Provider
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.specs import LoadedSpec
from mockserver.core.urls import absolute_url

EXPLORER_PREFIX = "/__explorer"
ASSETS_PREFIX = EXPLORER_PREFIX + "/assets/"
OAUTH2_REDIRECT_PATH = EXPLORER_PREFIX + "/oauth2-redirect.html"
UI_SUFFIX = "/ui/"
DASHBOARD_PATH = ADMIN_PREFIX + "/"
ALLOW = "GET, HEAD"

HTML = b"text/html; charset=utf-8"
PAGE_CACHE = b"no-cache"  # pages depend on the host and namespace of the request
ASSET_CACHE = b"public, max-age=31536000, immutable"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".map": "application/json",
    ".png": "image/png",
}
# The bundle's demo pages load the Petstore spec from the internet: not served.
EXCLUDED_ASSETS = frozenset({"index.html", "index.j2", "swagger-initializer.js"})

# Client-credentials scopes for the token example where "every scope of the flow" is not a
# valid request (Moneyhub's transactions:read:all, :in and :out exclude each other).
EXAMPLE_SCOPES = {
    "/moneyhub/api/v2.0": "accounts:read transactions:read:all categories:read",
}


def swagger_ui_dir() -> Path:
    """Where ``swagger-ui-bundle`` keeps Swagger UI's files (a folder named after its version)."""
    bundle: Any = importlib.import_module("swagger_ui_bundle")  # ships no type information
    return Path(str(bundle.swagger_ui_path))


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    name: str
    auth_method: str
    redirect_uri: str | None


@dataclass(frozen=True)
class Scheme:
    """A security scheme of a spec, as the explorer page explains it."""

    name: str
    type: str
    description: str = ""
    header: str | None = None  # apiKey: the header's name
    value: str | None = None  # apiKey: the sandbox client's value, filled in on the page
    token_url: str | None = None  # oauth2 client credentials
    scopes: tuple[str, ...] = ()
    authorization_code: bool = False  # oauth2: a PSU's token (authorisation code)
    code_scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mount:
    base_path: str
    title: str
    provider: Provider | None  # None for the admin API
    schemes: tuple[Scheme, ...] = field(default=())
    token_path: str | None = None  # the token endpoint a client of this API uses
    example_path: str | None = None  # a GET with no path parameters, for a curl example

    @property
    def key(self) -> str:
        return self.provider.key if self.provider else "admin"

    @property
    def provider_title(self) -> str:
        return self.provider.title if self.provider else "Sandbox control plane"

    @property
    def subject_param(self) -> str | None:
        """Moneyhub's ``sub``: client credentials plus a user id give that user's token."""
        auth = self.provider.auth_server if self.provider else None
        return auth.client_credentials_subject_param if auth and self.token_path else None

    @property
    def token_scopes(self) -> str:
        if self.base_path in EXAMPLE_SCOPES:
            return EXAMPLE_SCOPES[self.base_path]
        flows = [scheme for scheme in self.schemes if scheme.token_url]
        scopes = [s for scheme in flows for s in scheme.scopes]
        auth = self.provider.auth_server if self.provider else None
        if not flows and auth is not None:  # the authorisation server's own spec
            scopes = [s for s in auth.scopes_supported if s != "openid"]
        return " ".join(dict.fromkeys(scopes))


class ExplorerMiddleware:
    def __init__(self, app: ASGIApp, specs: list[LoadedSpec], sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox
        self._mounts = [self._mount(spec) for spec in specs]
        self._by_ui = {m.base_path + UI_SUFFIX: m for m in self._mounts}
        self._ui_dir = swagger_ui_dir()
        self._assets_path = f"{ASSETS_PREFIX}{self._ui_dir.name}/"
        self._asset_cache: dict[str, bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "") if scope["type"] == "http" else ""
        if not self._handles(path):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            raise ApiError(405, f"{path} answers GET and HEAD only", headers={"Allow": ALLOW})
        status, content_type, cache, body, extra = self._respond(path)
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", cache),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    def _handles(self, path: str) -> bool:
        return (
            path == "/"
            or path in self._by_ui
            or path + "/" in self._by_ui
            or path.startswith(EXPLORER_PREFIX + "/")
            or path == ADMIN_PREFIX
        )

    def _respond(self, path: str) -> tuple[int, bytes, bytes, bytes, list[tuple[bytes, bytes]]]:
        """(status, content type, cache control, body, other headers)."""
        if path == "/":
            return 200, HTML, PAGE_CACHE, self._landing().encode(), []
        if path in self._by_ui:
            return 200, HTML, PAGE_CACHE, self._explorer(self._by_ui[path]).encode(), []
        if path + "/" in self._by_ui or path == ADMIN_PREFIX:
            # {mount}/ui and /__admin: the pages are at .../ (absolute_url keeps the namespace).
            location = absolute_url(path + "/").encode("latin-1")
            return 308, HTML, PAGE_CACHE, b"", [(b"location", location)]
        if path == OAUTH2_REDIRECT_PATH:
            return 200, HTML, PAGE_CACHE, self._asset("oauth2-redirect.html"), []
        if path.startswith(self._assets_path):
            name = path.removeprefix(self._assets_path)
            content_type = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
            return 200, content_type.encode(), ASSET_CACHE, self._asset(name), []
        raise ApiError(404, f"no explorer file at {path}")

    def _asset(self, name: str) -> bytes:
        if name not in self._asset_names:
            raise ApiError(404, f"Swagger UI has no file {name!r}")
        if name not in self._asset_cache:  # read once, on first use: the bundle is megabytes
            self._asset_cache[name] = (self._ui_dir / name).read_bytes()
        return self._asset_cache[name]

    @cached_property
    def _asset_names(self) -> frozenset[str]:
        return frozenset(
            p.name for p in self._ui_dir.iterdir() if p.is_file() and p.name not in EXCLUDED_ASSETS
        )

    # -- pages ---------------------------------------------------------------------------------

    def _landing(self) -> str:
        links = self._links()
        mounts = [
            {
                "provider": m.key,
                "title": m.title,
                "base_path": m.base_path,
                "ui_url": absolute_url(m.base_path + UI_SUFFIX),
                "spec_url": absolute_url(f"{m.base_path}/openapi.json"),
            }
            for m in self._mounts
        ]
        return pages.get_template("landing.html").render(
            version=__version__,
            base=self._base_url(),
            assets=self._base_url() + self._assets_path,
            namespace=self._namespace(),
            mounts=mounts,
            clients=self._clients,
            psus=self._psus,
            links=links,
        )

    def _explorer(self, mount: Mount) -> str:
        base = self._base_url()
        namespace = self._namespace()
        clients = self._clients.get(mount.key, [])
        client = clients[0] if clients else None
        schemes = [self._with_client_values(s, client) for s in mount.schemes]
        oauth = (
            {
                "clientId": client.client_id,
                "clientSecret": client.client_secret,
                "scopes": mount.token_scopes,
            }
            if client and mount.token_path
            else None
        )
        config = {
            "specUrl": absolute_url(f"{mount.base_path}/openapi.json"),
            "oauth2RedirectUrl": base + OAUTH2_REDIRECT_PATH,
            "namespace": namespace,
            "storageKey": f"mockserver.explorer:{mount.base_path}:{namespace or ''}",
            "apiKeys": {s.name: s.value for s in schemes if s.type == "apiKey" and s.value},
            "headerDefaults": self._header_defaults(schemes, namespace),
            "oauth": oauth,
            "subjectParam": mount.subject_param,
            "tokenPath": mount.token_path,
            "psuToken": self._psu_token(mount, schemes, client) if oauth else None,
        }
        return pages.get_template("explorer.html").render(
            mount=mount,
            base=base,
            namespace=namespace,
            assets=base + self._assets_path,
            clients=clients,
            client=client,
            schemes=schemes,
            token_url=base + mount.token_path if mount.token_path else None,
            token_scopes=mount.token_scopes,
            subject_param=mount.subject_param,
            client_redirect=client.redirect_uri if client else None,
            psus=self._psus if mount.provider and mount.provider.consent_adapter else [],
            explorers=[
                {
                    "title": m.title,
                    "url": absolute_url(m.base_path + UI_SUFFIX),
                    "current": m is mount,
                }
                for m in self._mounts
            ],
            links=self._links(),
            config=config,
        )

    def _psu_token(
        self, mount: Mount, schemes: list[Scheme], client: Client | None
    ) -> dict[str, Any] | None:
        """What the page needs to approve a consent as a PSU and use the PSU's token."""
        auth = mount.provider.auth_server if mount.provider else None
        code_schemes = [s for s in schemes if s.authorization_code]
        if not (auth and auth.intent_claim and code_schemes and client and client.redirect_uri):
            return None
        base = self._base_url()
        scopes = dict.fromkeys(["openid", *(s for c in code_schemes for s in c.code_scopes)])
        return {
            "claim": auth.intent_claim,
            "scope": " ".join(scopes),
            "redirectUri": client.redirect_uri,
            "authorizeUrl": base + auth.authorization_path,
            "tokenUrl": base + auth.token_path,
            "adminAuthorizeUrl": base + ADMIN_PREFIX + "/authorize",
            "schemes": [s.name for s in code_schemes],
        }

    @staticmethod
    def _header_defaults(schemes: list[Scheme], namespace: str | None) -> dict[str, str]:
        """Header parameters filled in on every operation (lower-case names)."""
        out = {
            s.header.lower(): s.value
            for s in schemes
            if s.type == "apiKey" and s.header and s.value
        }
        if namespace:
            out[context.NAMESPACE_HEADER] = namespace
        return out

    def _links(self) -> dict[str, str]:
        return {
            "home": absolute_url("/"),
            "dashboard": absolute_url(DASHBOARD_PATH),
            "admin_ui": absolute_url(ADMIN_PREFIX + UI_SUFFIX),
            "health": absolute_url(ADMIN_PREFIX + "/health"),
            "specs": absolute_url(ADMIN_PREFIX + "/specs"),
        }

    @staticmethod
    def _base_url() -> str:
        return str(context.current().extra["base_url"])

    @staticmethod
    def _namespace() -> str | None:
        """The namespace the request named (links and Try it out carry it), or None."""
        ns = context.current().namespace
        return None if ns == context.DEFAULT_NAMESPACE else ns

    @staticmethod
    def _with_client_values(scheme: Scheme, client: Client | None) -> Scheme:
        if scheme.type != "apiKey" or client is None or scheme.header is None:
            return scheme
        values = {"client_id": client.client_id, "client_secret": client.client_secret}
        value = values.get(scheme.header.lower())
        return replace(scheme, value=value) if value else scheme

    # -- what the pages show ---------------------------------------------------------------------

    def _mount(self, spec: LoadedSpec) -> Mount:
        provider = next((p for p in self.sandbox.providers if p.owns(spec.base_path)), None)
        raw = spec.document.get("components", {}).get("securitySchemes") or {}
        schemes = tuple(_scheme(name, s) for name, s in raw.items() if isinstance(s, dict))
        paths = spec.document.get("paths") or {}
        full_paths = {spec.base_path + p for p in paths}
        token_path = next((s.token_url for s in schemes if s.token_url), None)
        auth = provider.auth_server if provider else None
        if token_path is None and auth is not None and auth.token_path in full_paths:
            token_path = auth.token_path  # the authorisation server's own spec
        example = next((p for p, item in paths.items() if "{" not in p and "get" in item), None)
        return Mount(spec.base_path, spec.title, provider, schemes, token_path, example)

    @cached_property
    def _clients(self) -> dict[str, list[Client]]:
        """The fixture clients of each provider (``fixtures/<provider>/clients.yaml``)."""
        header_auth = {
            m.key: " and ".join(f"{s.header} header" for s in m.schemes if s.header)
            for m in self._mounts
            if any(s.type == "apiKey" and s.header for s in m.schemes)
        }
        out: dict[str, list[Client]] = {}
        for record in self.sandbox.seeder.clients():
            if record.kind != CLIENT_KIND:
                continue
            data = record.data
            provider = str(data["provider"])
            out.setdefault(provider, []).append(
                Client(
                    client_id=str(data["client_id"]),
                    client_secret=str(data.get("client_secret") or ""),
                    name=str(data.get("name") or data["client_id"]),
                    auth_method=header_auth.get(provider)
                    or str(data.get("token_endpoint_auth_method") or ""),
                    redirect_uri=next(iter(data.get("redirect_uris") or []), None),
                )
            )
        return out

    @cached_property
    def _psus(self) -> list[dict[str, str]]:
        """The PSU test users of ``fixtures/psus.yaml``: username, name, persona, accounts."""
        path = self.sandbox.settings.fixtures / "psus.yaml"
        if not path.is_file():
            return []
        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
        psus = document.get("psus", []) if isinstance(document, dict) else []
        return [
            {
                "username": str(p.get("username", "")),
                "name": str(p.get("name", "")),
                "persona": str(p.get("persona", "")).replace("_", " "),
                "accounts": ", ".join(str(a.get("name", "")) for a in p.get("accounts", [])),
            }
            for p in psus
            if isinstance(p, dict)
        ]


def _scheme(name: str, raw: dict[str, Any]) -> Scheme:
    kind = str(raw.get("type", ""))
    description = " ".join(str(raw.get("description", "")).split())
    if kind == "apiKey":
        header = str(raw.get("name", "")) if raw.get("in") == "header" else None
        return Scheme(name, kind, description, header=header)
    if kind == "oauth2":
        flows = raw.get("flows") or {}
        credentials = flows.get("clientCredentials") or {}
        code = flows.get("authorizationCode")
        return Scheme(
            name,
            kind,
            description,
            token_url=credentials.get("tokenUrl"),
            scopes=tuple(credentials.get("scopes") or ()),
            authorization_code=code is not None,
            code_scopes=tuple((code or {}).get("scopes") or ()),
        )
    return Scheme(name, kind, description)
