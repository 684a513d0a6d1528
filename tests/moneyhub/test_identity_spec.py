"""Our Moneyhub identity-service spec (specs/moneyhub_identity.yaml), checked without a server.

Against three sources beside the checkout (``<root>/shared``), read at test time:
- the official client's call list (``reference/moneyhub/client-endpoints-derived.txt``): every
  call it makes to ``identityServiceUrl`` is served at that exact method and path, with a
  security requirement the scopes it asks for satisfy, or is listed here as not emulated;
- the live discovery document (``reference/moneyhub/moneyhub-openid-configuration.json``): our
  discovery schema accepts it once its URLs point at the sandbox, and its endpoints are ours;
- Moneyhub's document (``provider-docs/moneyhub-auth-and-data-api.txt``): its routes, their
  scopes and parameters, and its samples, validated against our schemas with the validators
  Connexion itself uses.
Without a source, the checks that need it skip and say why.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from connexion.spec import Specification
from jsonschema import FormatChecker  # type: ignore[import-untyped, unused-ignore]

from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.specs import load_spec
from mockserver.providers.moneyhub.errors import envelope
from tests.support.openapi_doc import HTTP_METHODS, deref

SPEC = Path(__file__).resolve().parents[2] / "specs" / "moneyhub_identity.yaml"
SHARED = Path(__file__).resolve().parents[3] / "shared"
REFERENCE = SHARED / "reference" / "moneyhub"
CLIENT_CALLS = REFERENCE / "client-endpoints-derived.txt"
DISCOVERY = REFERENCE / "moneyhub-openid-configuration.json"
DOCUMENT = SHARED / "provider-docs" / "moneyhub-auth-and-data-api.txt"
BASE = "/moneyhub/identity"
SANDBOX_URL = "http://testserver" + BASE  # what the reference's URLs become
LIVE_URL = "https://identity.moneyhub.co.uk"

OPERATIONS: dict[tuple[str, str], str] = {
    ("get", "/oidc/.well-known/openid-configuration"): "discovery",
    ("get", "/oidc/certs"): "jwks",
    ("get", "/oidc/auth"): "authorize",
    ("post", "/oidc/token"): "token",
    ("post", "/oidc/request"): "pushed_authorization",
    ("post", "/request"): "create_request_uri",
    ("get", "/oidc/.well-known/all-connections"): "list_all_connections",
    ("get", "/oidc/.well-known/api-connections"): "list_api_connections",
    ("get", "/oidc/.well-known/legacy-connections"): "list_legacy_connections",
    ("get", "/oidc/.well-known/test-connections"): "list_test_connections",
    ("get", "/oidc/.well-known/beta-connections"): "list_beta_connections",
    ("get", "/oidc/.well-known/payments-connections"): "list_payments_connections",
    ("get", "/bank-icons/{bankRef}"): "get_bank_icon",
    ("post", "/users"): "register_user",
    ("get", "/users"): "get_users",
    ("get", "/users/{userId}"): "get_user",
    ("delete", "/users/{userId}"): "delete_user",
    ("get", "/users/{userId}/connections"): "get_user_connections",
    ("delete", "/users/{userId}/connection/{connectionId}"): "delete_user_connection",
    ("post", "/payees"): "add_payee",
    ("get", "/payees"): "get_payees",
    ("get", "/payments"): "get_payments",
    ("get", "/payments/{id}"): "get_payment",
}
OPERATION_IDS = sorted(OPERATIONS.values())

# The alternative scope sets each API operation accepts; the others take no token. Where the
# client (5.x) and the document name different scopes, either is enough.
SECURED: dict[str, list[list[str]]] = {
    "register_user": [["user:create"]],
    "get_users": [["user:read"]],
    "get_user": [["user:read"]],
    "delete_user": [["user:delete"]],
    "get_user_connections": [["connection:read"], ["user:read"]],
    "delete_user_connection": [["connection:delete"], ["user:delete"]],
    "add_payee": [["payee:create"]],
    "get_payees": [["payee:read"]],
    "get_payments": [["payment:read"]],
    "get_payment": [["payment:read"]],
}
OAUTH_PROTOCOL = {"token", "pushed_authorization", "create_request_uri"}


# -- the spec ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec(SPEC, BASE).document


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each operation by operationId, dereferenced, with its method and path."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = deref(spec, item[method])
                operation["method"], operation["path"] = method, path
                found[operation["operationId"]] = operation
    return found


@pytest.fixture(scope="module")
def schemas(spec: dict[str, Any]) -> dict[str, Any]:
    return {name: deref(spec, schema) for name, schema in spec["components"]["schemas"].items()}


def parameter(operation: dict[str, Any], location: str, name: str) -> dict[str, Any] | None:
    for param in operation.get("parameters", []):
        if param["in"] == location and param["name"] == name:
            return dict(param)
    return None


def response_schema(
    operation: dict[str, Any], status: str, media: str = "application/json"
) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"][status]["content"][media]["schema"]
    return schema


def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


# Connexion validates with jsonschema's Draft 4 format checker, which does not know date-time
# without an optional package; samples are held to it here.
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_date_time)


def schema_errors(schema: dict[str, Any], instance: Any, *, response: bool = True) -> set[str]:
    """The paths (``a.0.b``, ``<root>``) at which ``instance`` breaks ``schema``."""
    validator_class = Draft4ResponseValidator if response else Draft4RequestValidator
    validator = validator_class(schema, format_checker=FORMATS)
    return {
        ".".join(str(part) for part in error.absolute_path) or "<root>"
        for error in validator.iter_errors(instance)
    }


def test_operations_and_paths(spec: dict[str, Any]) -> None:
    found = {
        (method, path): item[method]["operationId"]
        for path, item in spec["paths"].items()
        for method in HTTP_METHODS
        if method in item
    }
    assert found == OPERATIONS
    assert spec["servers"] == [{"url": BASE}]
    assert spec["openapi"] == "3.0.3"


def test_connexion_accepts_the_spec(spec: dict[str, Any]) -> None:
    Specification.from_dict(load_spec(SPEC, BASE).for_connexion)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_operation_takes_the_namespace_and_its_path_parameters(
    operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    operation = operations[operation_id]
    namespace = parameter(operation, "header", "X-Sandbox-Namespace")
    assert namespace is not None and namespace.get("required", False) is False
    templated = re.findall(r"\{(\w+)\}", operation["path"])
    declared = [p for p in operation.get("parameters", []) if p["in"] == "path"]
    assert sorted(p["name"] for p in declared) == sorted(templated)
    assert all(p["required"] is True for p in declared)


def test_security(spec: dict[str, Any], operations: dict[str, dict[str, Any]]) -> None:
    assert "security" not in spec, "no global security: the OpenID endpoints are open"
    scheme = spec["components"]["securitySchemes"]["MoneyhubClientToken"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == BASE + "/oidc/token"
    module, _, name = scheme["x-tokenInfoFunc"].rpartition(".")
    assert module == "mockserver.core.oauth.endpoints"
    assert callable(getattr(importlib.import_module(module), name))
    declared_scopes = set(scheme["flows"]["clientCredentials"]["scopes"])
    for operation_id, operation in operations.items():
        alternatives = [
            requirement["MoneyhubClientToken"] for requirement in operation.get("security", [])
        ]
        assert alternatives == SECURED.get(operation_id, []), operation_id
        for scopes in alternatives:
            assert set(scopes) <= declared_scopes


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_error_responses(
    spec: dict[str, Any], operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    operation = operations[operation_id]
    responses = operation["responses"]
    error = deref(spec, spec["components"]["schemas"]["Error"])
    oauth = deref(spec, spec["components"]["schemas"]["OAuthError"])
    assert response_schema(operation, "default") == error
    successes = [status for status in responses if status[0] in "23"]
    assert len(successes) == 1
    if operation_id in SECURED:
        for status in ("400", "401", "403"):
            assert response_schema(operation, status) == error
        assert ("404" in responses) == ("{" in operation["path"])
    if operation_id in OAUTH_PROTOCOL:
        for status in ("400", "401"):
            assert response_schema(operation, status) == oauth


def test_error_schema_is_what_the_envelope_renders(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["Error"]
    assert schema["additionalProperties"] is False
    for error in (ApiError(404, "User not found"), ApiError(403, "Forbidden", code="Forbidden")):
        assert schema_errors(schema, envelope(error, "corr-1")) == set()
        assert schema_errors(schema, envelope(error, None)) == set()
    assert schema_errors(schema, {"error": "invalid_scope"}) == {"<root>"}
    oauth = spec["components"]["schemas"]["OAuthError"]
    body = oauth_error(400, "invalid_scope", "id:all and id:test together").body
    assert schema_errors(oauth, body) == set()


def test_media_types(operations: dict[str, dict[str, Any]]) -> None:
    icon = operations["get_bank_icon"]
    assert list(icon["responses"]["200"]["content"]) == ["image/svg+xml"]
    assert icon["responses"]["404"]["content"]["application/json"]
    default_icon = parameter(icon, "query", "defaultIcon")
    assert default_icon is not None and default_icon["schema"]["type"] == "boolean"
    request_uri = operations["create_request_uri"]
    assert list(request_uri["requestBody"]["content"]) == ["application/jws"]
    assert list(request_uri["responses"]["201"]["content"]) == ["text/plain"]
    for operation_id in ("token", "pushed_authorization"):
        body = operations[operation_id]["requestBody"]["content"]
        assert list(body) == ["application/x-www-form-urlencoded"]
    assert "201" in operations["pushed_authorization"]["responses"]


def test_request_uris(schemas: dict[str, Any]) -> None:
    moneyhub = schemas["MoneyhubRequestUri"]
    assert schema_errors(moneyhub, "urn:x-mh-request:0af734c7-bc2f-4b89-ad0a-f5e0f91d5426") == set()
    assert schema_errors(moneyhub, '{"request_uri": "urn:x-mh-request:1"}') == {"<root>"}
    pushed = schemas["PushedResponse"]
    for uri in ("urn:x-mh-request:abc", "urn:ietf:params:oauth:request_uri:abc"):
        assert schema_errors(pushed, {"request_uri": uri, "expires_in": 90}) == set()
    assert schema_errors(pushed, {"request_uri": "urn:x-mh-request:abc"}) == {"<root>"}


def test_connection_lists_accept_what_the_client_sends(
    operations: dict[str, dict[str, Any]],
) -> None:
    # The client's URL is `...-connections?${query && qs.stringify(query)}`: `?undefined` when
    # it has no filter, `?clientId=...` when it has one.
    for operation_id, operation in operations.items():
        if operation["path"].startswith("/oidc/.well-known/") and operation_id != "discovery":
            queries = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
            assert queries == {"clientId", "undefined"}, operation_id
            undefined = parameter(operation, "query", "undefined")
            assert undefined is not None and undefined["allowEmptyValue"] is True


def test_payment_references_and_amounts(schemas: dict[str, Any]) -> None:
    payment = {
        "id": "aeb2bc6c-505e-41b7-a82a-e898a7e95438",
        "amount": 150,
        "currency": "GBP",
        "payeeId": "e07f8dca-1a79-440a-8667-8cd02a000559",
        "payeeRef": "INVALID SUBMISSION",  # a magic value of the sandbox notes, 18 characters
        "payerRef": "Payer ref",
        "status": "error:paymentSubmission",
        "initiatedAt": "2019-05-14T07:13:07.000Z",
    }
    assert schema_errors(schemas["Payment"], payment) == set()
    authorised = {
        **payment,
        "status": "completed",
        "exchangedAt": "2019-05-14T07:14:07.000Z",
        "connectionId": "1fd7ca2c94a914819b2e1b6cf0abe874:b6592e9e-619f-4171-a933-6023c381bd03",
    }
    assert schema_errors(schemas["Payment"], authorised) == set()
    assert schema_errors(schemas["Payment"], {**payment, "amount": 1.5}) == {"amount"}
    assert schema_errors(schemas["Payment"], {**payment, "payerRef": "x" * 19}) == {"payerRef"}
    assert schema_errors(schemas["Payment"], {**payment, "status": "done"}) == {"status"}


def test_connection_shapes(schemas: dict[str, Any]) -> None:
    # The mock bank of the sandbox notes (reference/moneyhub/moneyhub-sandbox.yml), listed as
    # the connection lists list a bank.
    bank = {
        "id": "1ffe704d39629a929c8e293880fb449a",
        "name": "Moneyhub Open Banking Mock",
        "type": "test",
        "bankRef": "moneyhub-mock",
        "accountTypes": [{"name": "cash", "beta": False}, {"name": "card", "beta": False}],
        "payments": [{"type": "domestic", "beta": False}],
        "userTypes": ["personal", "business"],
        "status": {"sync": "AVAILABLE", "auth": "AVAILABLE"},
    }
    listed = schemas["WellKnownConnection"]
    assert schema_errors(listed, bank) == set()
    assert schema_errors(listed, {**bank, "payments": ["domestic"]}) == set()
    assert schema_errors(listed, {**bank, "id": "mock-bank"}) == {"id"}
    assert schema_errors(listed, {**bank, "iconRef": "moneyhub-mock"}) == {"<root>"}
    connection = {
        # The connection id of the document's payment ID token.
        "id": "1fd7ca2c94a914819b2e1b6cf0abe874:b6592e9e-619f-4171-a933-6023c381bd03",
        "bankId": "1fd7ca2c94a914819b2e1b6cf0abe874",
        "name": "Moneyhub Open Banking Mock",
        "type": "api",
        "connectedOn": "2019-05-14T07:13:07.000Z",
        "expiresAt": "2019-08-12T07:13:07.000Z",
        "accountIds": ["6d0baf11-248e-4c11-9c04-97b7758b4e04"],
        "status": "ok",
    }
    assert schema_errors(schemas["UserConnectionList"], {"data": [connection]}) == set()
    assert schema_errors(schemas["UserConnection"], {**connection, "id": "abc"}) == {"id"}


# -- the official client's calls -----------------------------------------------------------------


@dataclass(frozen=True)
class ClientCall:
    function: str
    method: str
    path: str  # under identityServiceUrl, with the client's own parameter names
    scopes: frozenset[str]


# How the client builds identity URLs (src/requests/users-and-connections.ts).
URL_PREFIXES = {
    "${identityServiceUrl}": "",
    "${usersEndpoint}": "/users",
    "${scimUsersEndpoint}": "/scim/users",
}
# Rows the derivation could not resolve ("?"), as the client's source builds them
# (users-and-connections.ts, unauthenticated.ts, payments.ts).
UNRESOLVED: dict[str, tuple[str, str]] = {
    "registerUser": ("${usersEndpoint}", '"user:create"'),
    "getUsers": ("${usersEndpoint}", '"user:read"'),
    "registerSCIMUser": ("${scimUsersEndpoint}", '"scim_user:write"'),
    "getOpenIdConfig": ("${identityServiceUrl}/oidc/.well-known/openid-configuration", ""),
    "getPaymentFromIDToken": ("${identityServiceUrl}/payments/${id}", '"payment:read"'),
}
# Calls the derived list misses, defined outside the object the client returns: payments.ts's
# `getPayment`, and get-auth-urls.ts's `getRequestUri` (`got.post(identityServiceUrl +
# "/request")` with `Content-Type: application/jws`, used by `getPaymentAuthorizeUrl`).
UNLISTED = (
    ClientCall("getPayment", "GET", "/payments/{id}", frozenset({"payment:read"})),
    ClientCall("getRequestUri", "POST", "/request", frozenset()),
)
# Identity calls of the client that the sandbox does not serve, and why.
NOT_EMULATED = {
    "getConsentHistory": "consent history is not in Moneyhub's document",
    "getPayee": "GET /payees/{id} is not in the document (POST and GET /payees are)",
    "getRecurringPayments": "recurring payments (VRP) are not in the document",
    "getRecurringPayment": "recurring payments (VRP) are not in the document",
    "makeRecurringPayment": "recurring payments (VRP) are not in the document",
    "revokeRecurringPayment": "recurring payments (VRP) are not in the document",
    "confirmFundsForRecurringPayment": "recurring payments (VRP) are not in the document",
    "getStandingOrders": "standing orders are not in the document",
    "registerSCIMUser": "SCIM users are not in the document",
    "getSCIMUser": "SCIM users are not in the document",
    "getConnectionSyncs": "connection syncs are not in the document",
    "getUserSyncs": "connection syncs are not in the document",
    "getSync": "connection syncs are not in the document",
    "updateUserConnection": "updating a connection is not in the document",
}
# Operations served for callers other than the client's own request functions.
SERVED_FOR_OTHERS = {
    "jwks": "openid-client reads the keys at the discovery's jwks_uri",
    "authorize": "the user's browser, sent there by the client's authorisation URLs",
    "token": "openid-client's grants (client credentials, code exchange, refresh)",
    "pushed_authorization": "openid-client's pushedAuthorizationRequest at the discovery's URL",
    "get_bank_icon": "documented (Bank connections); the client has no wrapper for it",
}


@cache
def client_calls() -> tuple[ClientCall, ...]:
    """The client's identity calls; none when the list is absent (collection must not skip)."""
    if not CLIENT_CALLS.exists():
        return ()
    calls = list(UNLISTED)
    for line in CLIENT_CALLS.read_text(encoding="utf-8").splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 5:
            continue
        _source, function, method, url, scope = parts
        if url == "?":
            if function not in UNRESOLVED:
                continue
            url, scope = UNRESOLVED[function]
        prefix = next((p for p in URL_PREFIXES if url.startswith(p)), None)
        if prefix is None:
            continue  # another base URL (resourceServerUrl, ...)
        path = URL_PREFIXES[prefix] + url[len(prefix) :].split("?")[0]
        path = re.sub(r"\$\{(\w+)\}", r"{\1}", path)
        scopes = frozenset(scope.strip('"').split()) if scope.startswith('"') else frozenset()
        calls.append(ClientCall(function, method.upper(), path, scopes))
    return tuple(calls)


def require_client_calls() -> tuple[ClientCall, ...]:
    if not CLIENT_CALLS.exists():
        pytest.skip(f"the official client's call list is absent: {CLIENT_CALLS}")
    return client_calls()


def test_the_call_list_parses() -> None:
    require_client_calls()
    functions = {call.function for call in client_calls()}
    assert {"registerUser", "getUserConnections", "addPayee", "listTestConnections"} <= functions
    assert all(call.path.startswith("/") and "$" not in call.path for call in client_calls())


def accepts(operation: dict[str, Any], scopes: frozenset[str]) -> bool:
    alternatives = [req["MoneyhubClientToken"] for req in operation.get("security", [])]
    if not alternatives:
        return True
    return any(set(alternative) <= scopes for alternative in alternatives)


@pytest.mark.parametrize("call", client_calls(), ids=lambda call: call.function)
def test_the_client_call_is_served(call: ClientCall, operations: dict[str, dict[str, Any]]) -> None:
    key = (call.method.lower(), call.path)
    if call.function in NOT_EMULATED:
        assert key not in OPERATIONS, f"{call.function} is served: drop it from NOT_EMULATED"
        return
    assert key in OPERATIONS, f"{call.function}: {call.method} {call.path} is not in the spec"
    operation = operations[OPERATIONS[key]]
    assert accepts(operation, call.scopes), (call.function, sorted(call.scopes))
    if not call.scopes:
        assert "security" not in operation, f"{call.function} sends no token"


def test_every_operation_has_a_caller() -> None:
    calls = require_client_calls()
    served = {
        OPERATIONS[(c.method.lower(), c.path)] for c in calls if c.function not in NOT_EMULATED
    }
    assert served | set(SERVED_FOR_OTHERS) == set(OPERATION_IDS)
    assert not served & set(SERVED_FOR_OTHERS)
    assert set(NOT_EMULATED) <= {call.function for call in calls}, "stale NOT_EMULATED entries"


# -- the live discovery document -----------------------------------------------------------------

# Endpoints Moneyhub advertises that the sandbox does not serve: optional in our schema.
UNSERVED_ENDPOINTS = {
    "registration_endpoint",
    "end_session_endpoint",
    "introspection_endpoint",
    "revocation_endpoint",
    "zoopla_connections_endpoint",
    "mouseprice_connections_endpoint",
    "autotrader_connections_endpoint",
}


@pytest.fixture(scope="module")
def reference_discovery() -> dict[str, Any]:
    if not DISCOVERY.exists():
        pytest.skip(f"the live discovery document is absent: {DISCOVERY}")
    text = DISCOVERY.read_text(encoding="utf-8").replace(LIVE_URL, SANDBOX_URL)
    document: dict[str, Any] = json.loads(text)
    return document


def test_discovery_schema_accepts_the_reference(
    schemas: dict[str, Any], reference_discovery: dict[str, Any]
) -> None:
    assert reference_discovery["issuer"] == SANDBOX_URL + "/oidc"
    assert schema_errors(schemas["Discovery"], reference_discovery) == set()


def test_discovery_declares_every_reference_field(
    schemas: dict[str, Any], reference_discovery: dict[str, Any]
) -> None:
    assert set(reference_discovery) <= set(schemas["Discovery"]["properties"])


def test_discovery_requires_what_the_sandbox_serves(
    schemas: dict[str, Any], reference_discovery: dict[str, Any]
) -> None:
    discovery = schemas["Discovery"]
    urls = {key for key, value in reference_discovery.items() if str(value).startswith("http")}
    urls.discard("issuer")
    assert urls - set(discovery["required"]) == UNSERVED_ENDPOINTS
    served = {path for _method, path in OPERATIONS}
    for key in sorted(urls - UNSERVED_ENDPOINTS):
        path = reference_discovery[key].removeprefix(SANDBOX_URL)
        assert path in served, f"{key}: {path} is not in the spec"
    for key in UNSERVED_ENDPOINTS:
        assert reference_discovery[key].removeprefix(SANDBOX_URL) not in served


def test_discovery_schema_rejects(
    schemas: dict[str, Any], reference_discovery: dict[str, Any]
) -> None:
    discovery = schemas["Discovery"]
    missing = {
        k: v for k, v in reference_discovery.items() if k != "pushed_authorization_request_endpoint"
    }
    assert schema_errors(discovery, missing) == {"<root>"}
    wrong_issuer = {**reference_discovery, "issuer": SANDBOX_URL}
    assert schema_errors(discovery, wrong_issuer) == {"issuer"}
    relative = {**reference_discovery, "token_endpoint": "/moneyhub/identity/oidc/token"}
    assert schema_errors(discovery, relative) == {"token_endpoint"}
    bad_type = {**reference_discovery, "response_types_supported": ["code", "magic"]}
    assert schema_errors(discovery, bad_type) == {"response_types_supported.1"}


# -- Moneyhub's document -------------------------------------------------------------------------


@cache
def identity_text() -> str:
    """The document's identity-service part (it is followed by the Data API reference)."""
    if not DOCUMENT.exists():
        pytest.skip(f"Moneyhub's document is absent: {DOCUMENT}")
    text = DOCUMENT.read_text(encoding="utf-8")
    return text.split("\nMoneyhub Data API v2.0.0\n", 1)[0]


def json_after(marker: str, start: str = "") -> Any:
    """The first JSON value printed after ``marker`` (itself after ``start``)."""
    text = identity_text()
    at = text.index(marker, text.index(start) if start else 0)
    brace = text.index("{", at + len(marker))
    value, _end = json.JSONDecoder().raw_decode(text, brace)
    return value


def section(heading: str) -> str:
    """The text under a route heading line, up to the next route heading."""
    text = identity_text()
    found = re.search(rf"^{re.escape(heading)}$", text, re.MULTILINE)
    assert found, heading
    rest = text[found.end() :]
    following = ROUTE.search(rest)
    return rest[: following.start()] if following else rest


ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S+)(?: \(.*\))?$", re.MULTILINE)


def template(path: str) -> str:
    """A path with its parameters blanked: ``/users/{}``, from ``/users/:id`` or ``{userId}``."""
    path = re.sub(r"/?:[\w-]+", "/{}", path)  # the document's ":id" (once as "/payments:id")
    return re.sub(r"\{\w+\}", "{}", path)


def test_documented_routes_are_served_with_their_scopes(
    operations: dict[str, dict[str, Any]],
) -> None:
    by_template = {(m, template(p)): operation_id for (m, p), operation_id in OPERATIONS.items()}
    routes = list(ROUTE.finditer(identity_text()))
    assert len(routes) >= 12
    for route in routes:
        heading, method, path = route.group(0), route.group(1), route.group(2)
        key = (method.lower(), template(path))
        assert key in by_template, f"{heading} (the document) is not in the spec"
        scope = re.search(r"scope of ([\w:]+)", section(heading))
        operation = operations[by_template[key]]
        if scope is None:
            assert "security" not in operation, heading
        else:
            assert accepts(operation, frozenset({scope.group(1)})), (heading, scope.group(1))
            assert "security" in operation


def test_bank_icon_parameters(operations: dict[str, dict[str, Any]]) -> None:
    table = section("GET /bank-icons/:bankRef")
    operation = operations["get_bank_icon"]
    rows = re.findall(r"^(\w+) (string|boolean|integer) ", table, re.MULTILINE)
    assert rows == [("bankRef", "string"), ("defaultIcon", "boolean")]
    for name, kind in rows:
        declared = parameter(operation, "path", name) or parameter(operation, "query", name)
        assert declared is not None and declared["schema"]["type"] == kind


def test_user_samples(operations: dict[str, dict[str, Any]], schemas: dict[str, Any]) -> None:
    request = json_after("Content-Type: application/json", "\nPOST /users\n")
    assert request == {"clientUserId": "some-id"}
    register = operations["register_user"]
    body_schema = register["requestBody"]["content"]["application/json"]["schema"]
    assert schema_errors(body_schema, request, response=False) == set()
    user = json_after("Example response:", "\nPOST /users\n")
    assert user["clientUserId"] == "some-id"
    assert schema_errors(response_schema(register, "201"), user) == set()
    assert schema_errors(schemas["User"], {**user, "userId": "not-a-user-id"}) == {"userId"}
    listed = {"data": [user], "meta": {}}
    assert schema_errors(response_schema(operations["get_users"], "200"), listed) == set()
    assert schema_errors(response_schema(operations["get_user"], "200"), user) == set()


def test_payee_samples(operations: dict[str, dict[str, Any]]) -> None:
    add = operations["add_payee"]
    data = re.search(r"--data '(.*?)'", section("POST /payees"), re.DOTALL)
    assert data is not None
    request = json.loads(data.group(1).replace("\\n", "\n"))
    body_schema = add["requestBody"]["content"]["application/json"]["schema"]
    assert schema_errors(body_schema, request, response=False) == set()
    created = json_after("Example response", "\nPOST /payees\n")
    assert schema_errors(response_schema(add, "201"), created) == set()
    listed = json_after("Example response", "\nGET /payees\n")
    assert schema_errors(response_schema(operations["get_payees"], "200"), listed) == set()
    assert created["data"] == listed["data"][0]
    bad = {**request, "sortCode": "12-34-56"}
    assert schema_errors(body_schema, bad, response=False) == {"sortCode"}


def test_the_payment_claim_names_payment_fields(schemas: dict[str, Any]) -> None:
    claims = json_after("Example payments claim")
    value = claims["id_token"]["mh:payment"]["value"]
    assert set(value) == {"payeeId", "amount", "payeeRef", "payerRef"}
    assert set(value) <= set(schemas["Payment"]["properties"])
    assert claims["id_token"]["mh:con_id"] == {"essential": True}


def test_id_token_samples_use_our_id_shapes(schemas: dict[str, Any]) -> None:
    id_token = json_after("Decoded content of id token after exchanging authorization code")
    assert schema_errors(schemas["ConnectionId"], id_token["mh:con_id"]) == set()
    assert schema_errors(schemas["Payment"]["properties"]["id"], id_token["mh:payment"]) == set()
    assert schema_errors(schemas["User"]["properties"]["userId"], id_token["sub"]) == set()
    assert id_token["iss"] == LIVE_URL + "/oidc"
    refresh = json_after("To refresh an account for a registered user")
    claims = refresh["claims"]["id_token"]
    assert schema_errors(schemas["ConnectionId"], claims["mh:con_id"]["value"]) == set()
    assert schema_errors(schemas["User"]["properties"]["userId"], claims["sub"]["value"]) == set()


def test_token_request_samples(operations: dict[str, dict[str, Any]]) -> None:
    form_schema = operations["token"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]
    samples = re.findall(r"-d '([^']+)'", section_between("Token Endpoint", "Discovery"))
    assert len(samples) == 2
    for sample in samples:
        form = dict(parse_qsl(sample))
        assert set(form) <= set(form_schema["properties"]), "strict validation refuses extras"
        assert schema_errors(form_schema, form, response=False) == set()
    assert dict(parse_qsl(samples[1]))["sub"] == "example-user-id"


def section_between(start: str, end: str) -> str:
    text = identity_text()
    begin = text.index(f"\n{start}\n")
    return text[begin : text.index(f"\n{end}\n", begin)]


def authorize_queries() -> list[dict[str, str]]:
    """The query of every authorisation URL the document prints."""
    text = identity_text()
    urls = re.findall(r'"url": "(https://[^"]+/oidc/auth\?[^"]+)"', text)
    # One printed with a parameter a line (and the spaces of its scope unescaped).
    spread = re.search(r"(https://\S+/oidc/auth\?)((?:\n[ \t]*&[^\n]*)+)", text)
    assert spread is not None
    urls.append(spread.group(1) + "".join(line.strip() for line in spread.group(2).splitlines()))
    return [dict(parse_qsl(urlsplit(url).query)) for url in urls]


def test_authorisation_url_samples(operations: dict[str, dict[str, Any]]) -> None:
    operation = operations["authorize"]
    queries = authorize_queries()
    assert len(queries) == 3
    for query in queries:
        for name, value in query.items():
            declared = parameter(operation, "query", name)
            assert declared is not None, f"authorisation parameter {name} is not declared"
            assert schema_errors(declared["schema"], value, response=False) == set()
        if "claims" in query:
            assert "sub" in json.loads(query["claims"])["id_token"]
    assert queries[-1]["request_uri"].startswith("urn:x-mh-request:")
    assert queries[-1]["scope"] == "openid payment id:financial-connection-id"


def test_request_object_endpoint_samples(
    operations: dict[str, dict[str, Any]], schemas: dict[str, Any]
) -> None:
    text = section("POST /request (Request Object Endpoint)")
    assert "--header 'content-type: application/jws'" in text
    jws = re.search(r"--data (\S+)", text)
    uri = re.search(r"^Example response\s+(\S+)$", text, re.MULTILINE)
    assert jws is not None and uri is not None
    operation = operations["create_request_uri"]
    body_schema = operation["requestBody"]["content"]["application/jws"]["schema"]
    assert schema_errors(body_schema, jws.group(1), response=False) == set()
    uri_schema = response_schema(operation, "201", "text/plain")
    assert schema_errors(uri_schema, uri.group(1)) == set()
    # The signed request object holds authorisation parameters (and the JWT's own claims).
    payload = jws.group(1).split(".")[1]
    request_object = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    parameters = set(request_object) - {"iss", "aud", "exp", "iat", "nbf", "jti"}
    assert parameters == {
        "client_id",
        "scope",
        "state",
        "claims",
        "redirect_uri",
        "response_type",
        "prompt",
    }
    for name in parameters:
        assert parameter(operations["authorize"], "query", name) is not None, name
        assert name in schemas["PushedRequest"]["properties"], name


def test_jwks_sample(operations: dict[str, dict[str, Any]]) -> None:
    public = json_after("Public keys - ")
    assert schema_errors(response_schema(operations["jwks"], "200"), public) == set()
