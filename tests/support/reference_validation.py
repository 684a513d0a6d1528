"""Every response the tests see, checked against the providers' official reference specs.

A pytest plugin (registered by ``tests/conftest.py``). It wraps ``httpx.Client.send`` and
``httpx.AsyncClient.send``, which every HTTP client of the tests goes through: Starlette's
``TestClient`` on the in-process app, the ``mockserver.testing`` fixtures, and plain httpx
clients of live servers; and ``requests.Session.send``, where installed (schemathesis calls the
in-process app with it). Each response under a mount that has a reference is matched to the
reference operation by method and path, and checked:

- the status is one the reference documents for that operation;
- the body is what the reference gives that status: no body where it declares no content,
  else a declared media type and a JSON body valid against the status's schema (Draft 4, as
  OpenAPI 3.0 and Swagger 2.0 schemas are; each schema compiled once, its ``$ref``s inlined);
- the headers the reference marks required are there.

The references, read from ``../shared/reference`` beside the checkout:

| Mount | Reference |
|---|---|
| ``/ob/open-banking/v3.1/aisp`` | OBIE Account and Transaction API v3.1.11 |
| ``/ob/open-banking/v3.1/pisp`` | OBIE VRP API v3.1.11 |
| ``/moneyhub/api/v2.0`` | Moneyhub Data API swagger v2.0 |

A response that breaks its reference fails the test that saw it (in its setup, call or
teardown); one seen outside any test fails the session. What is not checked, and why, is in
``SKIP_REASONS``; where the reference is taken other than literally, ``QUIRKS`` says so. The
terminal summary counts what was validated and skipped. Without the reference folder nothing
is checked and the summary says so; that never fails a run. Under pytest-xdist each worker
checks the responses it sees and the controller adds up the counts.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

REFERENCE_ROOT = Path(__file__).resolve().parents[3] / "shared" / "reference"
ADMIN_PREFIX = "/__admin"
NAMESPACE_HEADER = "x-sandbox-namespace"
NAMESPACE_QUERY = "sandbox_namespace"
DEFAULT_NAMESPACE = "default"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
WORKER_OUTPUT_KEY = "reference_validation"


@dataclass(frozen=True)
class ReferenceSource:
    """One reference document and the mount it describes."""

    label: str
    mount: str
    relative_path: str

    @property
    def path(self) -> Path:
        return REFERENCE_ROOT / self.relative_path


OBIE_AIS = ReferenceSource(
    "OBIE AIS v3.1.11",
    "/ob/open-banking/v3.1/aisp",
    "openbanking-uk/v3.1.11r5-account-info-openapi.json",
)
OBIE_VRP = ReferenceSource(
    "OBIE VRP v3.1.11", "/ob/open-banking/v3.1/pisp", "openbanking-uk/v3.1.11r5-vrp-openapi.json"
)
MONEYHUB_DATA = ReferenceSource(
    "Moneyhub Data API v2.0", "/moneyhub/api/v2.0", "moneyhub/moneyhub-data-api-swagger.json"
)
SOURCES = (OBIE_AIS, OBIE_VRP, MONEYHUB_DATA)


# -- skip rules ----------------------------------------------------------------------------------
# Each response is validated unless one of these applies; the summary counts each reason.

SKIP_ADMIN = "admin API (the sandbox's control plane, no provider reference)"
SKIP_UNREFERENCED = (
    "no reference spec for this path (OBIE authorisation server, Fena, Moneyhub identity, "
    "MogoPlus, pages, other servers)"
)
# Under a referenced mount, the sandbox's own additions: {mount}/openapi.json, {mount}/ui/.
SKIP_SANDBOX_ONLY = "sandbox-only endpoint under a referenced mount (openapi.json, ui/)"
# Tests call paths the reference does not have to check routing errors (404 with no body).
SKIP_UNKNOWN_PATH = "path not in the reference (routing errors the tests provoke)"
# A method the path does not have, where the reference documents no 405 to check it against.
SKIP_UNKNOWN_METHOD = "method not in the reference for this path"
# OPTIONS (CORS preflights) and HEAD are answered before any operation; the references have
# neither method.
SKIP_PREFLIGHT = "OPTIONS or HEAD (CORS preflights and the like, no reference operation)"
# A test asked for a fault (POST /__admin/faults) that may have answered this request in place
# of the operation: its status and body are the test's, not the provider's.
SKIP_FAULTED = "a fault rule of the test may have answered it"

SKIP_REASONS = (
    SKIP_ADMIN,
    SKIP_UNREFERENCED,
    SKIP_SANDBOX_ONLY,
    SKIP_UNKNOWN_PATH,
    SKIP_UNKNOWN_METHOD,
    SKIP_PREFLIGHT,
    SKIP_FAULTED,
)
SANDBOX_ONLY = re.compile(r"^/(openapi\.json|ui(/.*)?)$")


# -- formats ---------------------------------------------------------------------------------------
# jsonschema checks no "date", "date-time", "uri" or "uuid" without optional packages: check them
# here. Date-times need the offset that both OBIE and Moneyhub give.

FORMATS = FormatChecker(formats=())
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE.fullmatch(value):
        return False
    datetime.strptime(value, "%Y-%m-%d")
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_TIME.fullmatch(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or UUID.fullmatch(value) is not None


# -- what a reference operation answers ---------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What one status of one operation is: its body schema (a JSON pointer into the document;
    None for no body), the media types it may come as, the headers it must carry."""

    schema: str | None
    media_types: frozenset[str] = frozenset()
    required_headers: frozenset[str] = frozenset()
    pdf: bool = False  # a PDF document rather than JSON (QUIRK_STATEMENT_FILE)


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    responses: Mapping[str, Expected]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.template}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _resolve(document: dict[str, Any], node: dict[str, Any], pointer: str) -> tuple[Any, str]:
    """A node and its pointer, following one local ``$ref``."""
    if "$ref" not in node:
        return node, pointer
    target = node["$ref"].removeprefix("#")
    found: Any = document
    for part in target.split("/")[1:]:
        found = found[part.replace("~1", "/").replace("~0", "~")]
    return found, target


def _openapi3_expected(document: dict[str, Any], node: dict[str, Any], pointer: str) -> Expected:
    response, pointer = _resolve(document, node, pointer)
    content = response.get("content") or {}
    schema = None
    for media, entry in content.items():
        if "schema" in entry:
            ref = entry["schema"].get("$ref", "")
            schema = ref.removeprefix("#") or f"{pointer}/content/{_escape(media)}/schema"
            break
    required = frozenset(
        name.lower()
        for name, header in (response.get("headers") or {}).items()
        if _resolve(document, header, "")[0].get("required")
    )
    return Expected(schema, frozenset(_media(m) for m in content), required)


def _swagger2_expected(
    document: dict[str, Any], operation: dict[str, Any], node: dict[str, Any], pointer: str
) -> Expected:
    response, pointer = _resolve(document, node, pointer)
    if "schema" not in response:
        return Expected(None)
    produces = operation.get("produces") or document.get("produces") or ["application/json"]
    return Expected(f"{pointer}/schema", frozenset(_media(m) for m in produces))


def reference_operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI 3.0 or Swagger 2.0 document, with its responses."""
    found = []
    for template, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            base = f"/paths/{_escape(template)}/{method}/responses"
            responses = {}
            for status, node in operation["responses"].items():
                pointer = f"{base}/{_escape(status)}"
                if "swagger" in document:
                    responses[status] = _swagger2_expected(document, operation, node, pointer)
                else:
                    responses[status] = _openapi3_expected(document, node, pointer)
            found.append(Operation(method, template, responses))
    return found


# -- where the reference is not taken literally ------------------------------------------------


@dataclass(frozen=True)
class Quirk:
    """One place where the reference is read other than literally, and why."""

    source: ReferenceSource
    why: str


QUIRK_STATEMENT_FILE = Quirk(
    OBIE_AIS,
    "GET .../statements/{StatementId}/file 200 is a PDF (application/pdf, starting %PDF-): the "
    "reference declares only JSON media with an empty placeholder schema `File`; our spec "
    "states the PDF as a deliberate difference",
)
QUIRK_VRP_RESPONSE_SIGNATURE = Quirk(
    OBIE_VRP,
    "x-jws-signature is not required on answers: the reference marks it required, the sandbox "
    "does not sign its responses (our spec declares the header optional, deliberately)",
)
QUIRK_MONEYHUB_NULLABLE = Quirk(
    MONEYHUB_DATA,
    "`x-nullable: true` (the swagger's extension) admits null, as Swagger tools read it",
)
QUIRK_MONEYHUB_SPENDING_ITEMS = Quirk(
    MONEYHUB_DATA,
    "SpendingAnalysis puts `required` (and `additionalProperties: false`) on the `categories` "
    "array, where Draft 4 ignores them; they are applied to its items, which keep extra keys "
    "(one per date range)",
)
QUIRK_MONEYHUB_COLLECTION_BOUNDS = Quirk(
    MONEYHUB_DATA,
    "POST /transactions-collection bounds its `data` array with minimum/maximum; read as "
    "minItems/maxItems",
)
QUIRK_MONEYHUB_ERROR_STATUSES = Quirk(
    MONEYHUB_DATA,
    "400, 401 and 403 where the swagger omits them on an operation, and 404 where its path names "
    "a resource (our spec's deliberate EXTRA_ERROR_STATUSES, tests/moneyhub/test_data_spec.py): "
    "the body must be the swagger's `Error`",
)
QUIRK_MONEYHUB_PROTOCOL_ERRORS = Quirk(
    MONEYHUB_DATA,
    "406, 415 and 429, which the swagger documents nowhere (but 429 once): answers to an Accept "
    "or a Content-Type the operation cannot serve and to the sandbox's rate limit, in Moneyhub's "
    "envelope as the README's Errors section says; the body must be the swagger's `Error`",
)
QUIRKS = (
    QUIRK_STATEMENT_FILE,
    QUIRK_VRP_RESPONSE_SIGNATURE,
    QUIRK_MONEYHUB_NULLABLE,
    QUIRK_MONEYHUB_SPENDING_ITEMS,
    QUIRK_MONEYHUB_COLLECTION_BOUNDS,
    QUIRK_MONEYHUB_ERROR_STATUSES,
    QUIRK_MONEYHUB_PROTOCOL_ERRORS,
)
STATEMENT_FILE = ("get", "/accounts/{AccountId}/statements/{StatementId}/file", "200")
MONEYHUB_EXTRA_ERRORS = ("400", "401", "403")  # and 404 under a path parameter
MONEYHUB_PROTOCOL_ERRORS = ("406", "415", "429")


def _admit_null(node: Any) -> None:
    """QUIRK_MONEYHUB_NULLABLE, everywhere in the document."""
    if isinstance(node, dict):
        if node.get("x-nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        for value in node.values():
            _admit_null(value)
    elif isinstance(node, list):
        for value in node:
            _admit_null(value)


def _fix_moneyhub(document: dict[str, Any]) -> dict[str, Any]:
    fixed = copy.deepcopy(document)
    _admit_null(fixed)
    categories = fixed["definitions"]["SpendingAnalysis"]["properties"]["categories"]
    if "required" in categories:  # QUIRK_MONEYHUB_SPENDING_ITEMS
        categories["items"]["required"] = categories.pop("required")
        categories.pop("additionalProperties", None)
    ok = fixed["paths"]["/transactions-collection"]["post"]["responses"]["200"]
    data = ok["schema"]["properties"]["data"]
    if "minimum" in data:  # QUIRK_MONEYHUB_COLLECTION_BOUNDS
        data["minItems"], data["maxItems"] = data.pop("minimum"), data.pop("maximum")
    return fixed


def _adjust_operation(source: ReferenceSource, operation: Operation) -> Operation:
    """The operation as it is checked, its quirks applied."""
    responses = dict(operation.responses)
    if source is OBIE_AIS and (operation.method, operation.template) == STATEMENT_FILE[:2]:
        responses[STATEMENT_FILE[2]] = Expected(None, frozenset({"application/pdf"}), pdf=True)
    if source is OBIE_VRP:
        responses = {
            status: Expected(
                e.schema, e.media_types, e.required_headers - {"x-jws-signature"}, e.pdf
            )
            for status, e in responses.items()
        }
    if source is MONEYHUB_DATA:
        error = Expected("/definitions/Error", frozenset({"application/json"}))
        extra = MONEYHUB_EXTRA_ERRORS + (("404",) if "{" in operation.template else ())
        for status in extra + MONEYHUB_PROTOCOL_ERRORS:
            responses.setdefault(status, error)
    return Operation(operation.method, operation.template, responses)


# -- one loaded reference ------------------------------------------------------------------------


@dataclass
class Reference:
    """A reference document, its operations routed by path, its validators compiled once."""

    source: ReferenceSource
    document: dict[str, Any]
    _validators: dict[str, Draft4Validator] = field(default_factory=dict)

    @classmethod
    def load(cls, source: ReferenceSource) -> Reference:
        document = json.loads(source.path.read_text(encoding="utf-8"))
        if source is MONEYHUB_DATA:
            document = _fix_moneyhub(document)
        return cls(source, document)

    @property
    def uri(self) -> str:
        return f"urn:reference:{self.source.relative_path}"

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource = Resource.from_contents(self.document, default_specification=DRAFT4)
        return Registry().with_resource(self.uri, resource)

    @cached_property
    def operations(self) -> dict[tuple[str, str], Operation]:
        return {
            (o.method, o.template): _adjust_operation(self.source, o)
            for o in reference_operations(self.document)
        }

    @cached_property
    def _templates(self) -> dict[int, list[tuple[str, ...]]]:
        """Path templates by segment count, the most literal first (``/accounts/syncs`` before
        ``/accounts/{accountId}``)."""
        by_length: dict[int, list[tuple[str, ...]]] = {}
        for template in {t for _, t in self.operations}:
            segments = tuple(template.strip("/").split("/"))
            by_length.setdefault(len(segments), []).append(segments)
        for templates in by_length.values():
            templates.sort(key=lambda s: sum(part.startswith("{") for part in s))
        return by_length

    def template(self, path: str) -> str | None:
        """The reference path template that ``path`` (relative to the mount) is, if any."""
        segments = path.strip("/").split("/")
        for candidate in self._templates.get(len(segments), []):
            if all(t.startswith("{") or t == s for t, s in zip(candidate, segments, strict=True)):
                return "/" + "/".join(candidate)
        return None

    def validator(self, pointer: str) -> Draft4Validator:
        if pointer not in self._validators:
            self._validators[pointer] = Draft4Validator(
                self._inlined({"$ref": f"#{pointer}"}, frozenset()),
                registry=self._registry,
                format_checker=FORMATS,
            )
        return self._validators[pointer]

    def _inlined(self, node: Any, within: frozenset[str]) -> Any:
        """``node`` with its local ``$ref``s replaced by their targets, so that validating
        looks nothing up (a third of the time otherwise); a recursive one stays a reference."""
        if isinstance(node, list):
            return [self._inlined(value, within) for value in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            pointer = ref[1:]
            if pointer in within:
                return {"$ref": f"{self.uri}#{pointer}"}
            target, _ = _resolve(self.document, node, pointer)
            return self._inlined(target, within | {pointer})
        return {key: self._inlined(value, within) for key, value in node.items()}

    def schema_errors(self, pointer: str, instance: Any) -> list[str]:
        found = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: list(e.path))
        return [f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}" for e in found[:5]]


# -- checking one response ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One response as the observer saw it."""

    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True)
class Verdict:
    """What became of one response: validated against ``operation``, or skipped for
    ``reason``; ``problems`` are what broke the reference."""

    source: ReferenceSource | None = None
    operation: str | None = None
    reason: str | None = None
    problems: tuple[str, ...] = ()


def check_against(reference: Reference, operation: Operation, seen: Seen) -> list[str]:
    """What in ``seen`` breaks what the reference says ``operation`` answers."""
    status = str(seen.status)
    expected = operation.responses.get(status) or operation.responses.get(f"{status[0]}XX")
    expected = expected or operation.responses.get("default")
    if expected is None:
        documented = ", ".join(sorted(operation.responses))
        return [f"status {status} is not documented (documented: {documented})"]
    problems = [
        f"the required header {name} is missing"
        for name in sorted(expected.required_headers)
        if name not in seen.headers
    ]
    media = _media(seen.headers.get("content-type", ""))
    if expected.pdf:
        if media not in expected.media_types or not seen.content.startswith(b"%PDF-"):
            problems.append(f"not a PDF document ({media or 'no content type'})")
        return problems
    if expected.schema is None:
        if seen.content:
            problems.append(f"the reference declares no body, got {len(seen.content)} bytes")
        return problems
    if media not in expected.media_types:
        allowed = ", ".join(sorted(expected.media_types))
        problems.append(f"content type {media or 'none'} is not one of {allowed}")
        return problems
    try:
        body = json.loads(seen.content)
    except ValueError:
        return [*problems, "the body is not JSON"]
    return problems + reference.schema_errors(expected.schema, body)


@dataclass
class References:
    """The loaded references by mount, each loaded on first use."""

    sources: tuple[ReferenceSource, ...]
    _loaded: dict[str, Reference] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, source: ReferenceSource) -> Reference:
        with self._lock:
            if source.mount not in self._loaded:
                self._loaded[source.mount] = Reference.load(source)
            return self._loaded[source.mount]

    def judge(self, seen: Seen) -> Verdict:
        if seen.path == ADMIN_PREFIX or seen.path.startswith(ADMIN_PREFIX + "/"):
            return Verdict(reason=SKIP_ADMIN)
        source = next(
            (s for s in self.sources if seen.path.startswith(s.mount + "/")),
            None,
        )
        if source is None:
            return Verdict(reason=SKIP_UNREFERENCED)
        relative = seen.path.removeprefix(source.mount)
        if SANDBOX_ONLY.match(relative):
            return Verdict(source, reason=SKIP_SANDBOX_ONLY)
        if seen.method in ("options", "head"):
            return Verdict(source, reason=SKIP_PREFLIGHT)
        reference = self.get(source)
        template = reference.template(relative)
        if template is None:
            return Verdict(source, reason=SKIP_UNKNOWN_PATH)
        operation = reference.operations.get((seen.method, template))
        if operation is None:
            return self._judge_unknown_method(reference, template, seen)
        problems = check_against(reference, operation, seen)
        return Verdict(source, operation.key, problems=tuple(problems))

    @staticmethod
    def _judge_unknown_method(reference: Reference, template: str, seen: Seen) -> Verdict:
        """A method the path does not have must be a 405, as the path's operations document
        it (where they do)."""
        siblings = [o for (_, t), o in reference.operations.items() if t == template]
        documented = [o for o in siblings if "405" in o.responses]
        if not documented:
            return Verdict(reference.source, reason=SKIP_UNKNOWN_METHOD)
        label = f"{seen.method.upper()} {template} (no such operation)"
        if seen.status != 405:
            problems = [f"status {seen.status} where the path has no such method (405)"]
            return Verdict(reference.source, label, problems=tuple(problems))
        problems = check_against(reference, documented[0], seen)
        return Verdict(reference.source, label, problems=tuple(problems))


@cache
def shared_references() -> References:
    """The references on this machine, loaded and compiled once for the whole process."""
    return References(tuple(s for s in SOURCES if s.path.is_file()))


@dataclass(frozen=True)
class Exchange:
    """One request and its response, whichever client made it (httpx or requests)."""

    method: str  # upper case
    url: str
    request_headers: Mapping[str, str]  # both clients' mappings ignore case
    status: int
    headers: Mapping[str, str]
    content: bytes

    @classmethod
    def of_httpx(cls, response: httpx.Response) -> Exchange:
        """The exchange; the body empty if it is a stream nobody read (not ours to read)."""
        request = response.request
        try:
            content = response.content
        except httpx.ResponseNotRead:
            content = b""
        return cls(
            request.method,
            str(request.url),
            request.headers,
            response.status_code,
            response.headers,
            content,
        )

    @classmethod
    def of_requests(cls, response: Any, *, read: bool = True) -> Exchange:
        request = response.request
        return cls(
            str(request.method),
            str(request.url),
            request.headers,
            response.status_code,
            response.headers,
            (response.content or b"") if read else b"",
        )

    @cached_property
    def _parts(self) -> Any:
        return urlsplit(self.url)

    @property
    def path(self) -> str:
        return unquote(self._parts.path)

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self._parts.query))

    @property
    def server(self) -> str:
        return str(self._parts.netloc)

    @property
    def namespace(self) -> str:
        if NAMESPACE_HEADER in self.request_headers:
            return self.request_headers[NAMESPACE_HEADER].strip()
        return self.query.get(NAMESPACE_QUERY, DEFAULT_NAMESPACE)

    def seen(self) -> Seen:
        return Seen(self.method.lower(), self.path, self.status, self.headers, self.content)


def validated_operation(response: httpx.Response) -> str:
    """Check one response against its reference now; the operation it was checked as
    (``GET /accounts``). Fails unless it was validated and valid; skips, saying so, when its
    reference spec is absent."""
    exchange = Exchange.of_httpx(response)
    source = next((s for s in SOURCES if exchange.path.startswith(s.mount + "/")), None)
    assert source is not None, f"{exchange.path} is under no referenced mount"
    if not source.path.is_file():
        pytest.skip(f"the {source.label} reference spec is not at {source.path}")
    verdict = shared_references().judge(exchange.seen())
    assert verdict.reason is None, f"{exchange.path} was not validated: {verdict.reason}"
    assert not verdict.problems, f"{exchange.path} breaks the reference: {list(verdict.problems)}"
    assert verdict.operation is not None
    return verdict.operation


# -- fault rules the tests set ---------------------------------------------------------------------


@dataclass
class FaultRules:
    """The answering fault rules each namespace of each server has, as the tests set them
    through the admin API (seen here as responses to their calls). Rules that come in with a
    state snapshot (PUT /__admin/state) are not seen."""

    _rules: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)

    def note(self, exchange: Exchange) -> None:
        """Follow an admin call that adds, removes or resets fault rules."""
        path, method, status = exchange.path, exchange.method, exchange.status
        key = (exchange.server, exchange.namespace)
        if path == f"{ADMIN_PREFIX}/faults" and method == "POST" and status == 201:
            rule = json.loads(exchange.content)
            self._rules.setdefault(key, {})[rule["id"]] = rule
        elif path == f"{ADMIN_PREFIX}/faults" and method == "DELETE" and status < 300:
            self._rules.pop(key, None)
        elif path.startswith(f"{ADMIN_PREFIX}/faults/") and method == "DELETE":
            self._rules.get(key, {}).pop(path.rsplit("/", 1)[1], None)
        elif path == f"{ADMIN_PREFIX}/reset" and method == "POST" and status < 300:
            named = exchange.query.get("namespace")
            if named or NAMESPACE_HEADER in exchange.request_headers:
                self._rules.pop((exchange.server, named or exchange.namespace), None)
            else:  # every namespace of that server
                for each in [k for k in self._rules if k[0] == exchange.server]:
                    del self._rules[each]

    def may_have_answered(self, exchange: Exchange) -> bool:
        """Whether a rule that answers in place of the operation matches the request. The
        operationId of a rule is not resolved: any operation of its provider may match."""
        rules = self._rules.get((exchange.server, exchange.namespace), {})
        for rule in rules.values():
            if rule.get("status") is None:  # a delay only (served as usual) or a drop
                continue
            provider = rule.get("provider")
            if provider and not exchange.path.startswith(f"/{provider}/"):
                continue
            if rule.get("method") and rule["method"].upper() != exchange.method:
                continue
            if rule.get("path") and not fnmatchcase(exchange.path, rule["path"]):
                continue
            return True
        return False


# -- the observer ----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What was validated and skipped; merged across xdist workers."""

    validated: Counter[str] = field(default_factory=Counter)  # "label\tOPERATION" -> responses
    statuses: Counter[str] = field(default_factory=Counter)  # "label\tstatus" -> responses
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> responses
    violations: int = 0
    unattributed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "validated": dict(self.validated),
            "statuses": dict(self.statuses),
            "skipped": dict(self.skipped),
            "violations": self.violations,
            "unattributed": self.unattributed,
        }

    def merge(self, other: Mapping[str, Any]) -> None:
        self.validated.update(other["validated"])
        self.statuses.update(other["statuses"])
        self.skipped.update(other["skipped"])
        self.violations += other["violations"]
        self.unattributed.extend(other["unattributed"])


class Observer:
    """Judges every response; keeps the problems of the running test phase."""

    def __init__(self, references: References) -> None:
        self.references = references
        self.faults = FaultRules()
        self.tally = Tally()
        self._phase: list[str] | None = None
        self._lock = threading.Lock()

    def wants_body(self, url: str) -> bool:
        """Whether a response to ``url`` is validated, or followed (the fault rules an admin
        call adds), so that a streamed one is read first."""
        path = unquote(urlsplit(url).path)
        if path == f"{ADMIN_PREFIX}/faults":
            return True
        return any(path.startswith(s.mount + "/") for s in self.references.sources)

    def observe(self, exchanges: Callable[[], list[Exchange]]) -> None:
        """Judge the exchanges of one call (its redirects first)."""
        try:
            found = exchanges()
        except Exception as exc:  # the observer's own fault shows; the test's call goes on
            self._report(f"reading a response failed: {exc!r}")
            return
        for exchange in found:
            try:
                self._observe_one(exchange)
            except Exception as exc:
                self._report(f"checking {exchange.method} {exchange.path} failed: {exc!r}")

    def _observe_one(self, exchange: Exchange) -> None:
        if exchange.path.startswith(ADMIN_PREFIX + "/"):
            with self._lock:
                self.faults.note(exchange)
        verdict = self.references.judge(exchange.seen())
        if verdict.reason is None and verdict.source is not None:
            with self._lock:
                if self.faults.may_have_answered(exchange):
                    verdict = Verdict(verdict.source, reason=SKIP_FAULTED)
        self._count(verdict, exchange)

    def _count(self, verdict: Verdict, exchange: Exchange) -> None:
        with self._lock:
            if verdict.reason is not None:
                self.tally.skipped[verdict.reason] += 1
                return
            assert verdict.source is not None
            self.tally.validated[f"{verdict.source.label}\t{verdict.operation}"] += 1
            self.tally.statuses[f"{verdict.source.label}\t{exchange.status}"] += 1
            if not verdict.problems:
                return
        self._report(
            f"{exchange.method} {exchange.path} breaks the {verdict.source.label} "
            f"reference ({verdict.operation}):\n  " + "\n  ".join(verdict.problems)
        )

    def _report(self, text: str) -> None:
        with self._lock:
            self.tally.violations += 1
            if self._phase is not None:
                self._phase.append(text)
            else:
                self.tally.unattributed.append(text)

    def begin_phase(self) -> None:
        with self._lock:
            self._phase = []

    def end_phase(self) -> list[str]:
        with self._lock:
            found, self._phase = self._phase or [], None
            return found


# -- wrapping the HTTP clients -----------------------------------------------------------------


def _httpx_exchanges(response: httpx.Response) -> Callable[[], list[Exchange]]:
    return lambda: [Exchange.of_httpx(r) for r in (*response.history, response)]


def _requests_exchanges(response: Any, *, read: bool) -> Callable[[], list[Exchange]]:
    return lambda: [
        *(Exchange.of_requests(r) for r in response.history),
        Exchange.of_requests(response, read=read),
    ]


def _requests_module() -> Any:
    try:
        import requests
    except ImportError:  # not installed here: httpx is all there is to watch
        return None
    return requests


def install(observer: Observer) -> Callable[[], None]:
    """Route every response of httpx (and of requests, which schemathesis's in-process client
    uses, where installed) through ``observer``; returns what undoes it."""
    original_send = httpx.Client.send
    original_async_send = httpx.AsyncClient.send

    # A streamed response under a referenced mount is read first: its body is kept, and the
    # test reads it from there as it would have from the wire.
    def send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        response = original_send(self, request, **kwargs)
        if kwargs.get("stream") and observer.wants_body(str(request.url)):
            response.read()
        observer.observe(_httpx_exchanges(response))
        return response

    async def async_send(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        response = await original_async_send(self, request, **kwargs)
        if kwargs.get("stream") and observer.wants_body(str(request.url)):
            await response.aread()
        observer.observe(_httpx_exchanges(response))
        return response

    httpx.Client.send = send  # type: ignore[method-assign]
    httpx.AsyncClient.send = async_send  # type: ignore[method-assign]
    undo = [
        lambda: setattr(httpx.Client, "send", original_send),
        lambda: setattr(httpx.AsyncClient, "send", original_async_send),
    ]
    requests = _requests_module()
    if requests is not None:
        original_requests_send = requests.Session.send

        def requests_send(self: Any, request: Any, **kwargs: Any) -> Any:
            response = original_requests_send(self, request, **kwargs)
            read = not kwargs.get("stream") or observer.wants_body(str(request.url))
            observer.observe(_requests_exchanges(response, read=read))
            return response

        requests.Session.send = requests_send
        undo.append(lambda: setattr(requests.Session, "send", original_requests_send))

    def uninstall() -> None:
        for step in undo:
            step()

    return uninstall


# -- the pytest plugin -----------------------------------------------------------------------------


@dataclass
class Session:
    """The plugin's state in one pytest process."""

    observer: Observer | None
    missing: tuple[Path, ...]
    tally: Tally = field(default_factory=Tally)  # the workers', under xdist

    def totals(self) -> Tally:
        total = Tally()
        total.merge(self.tally.to_json())
        if self.observer is not None:
            total.merge(self.observer.tally.to_json())
        return total


SESSION = pytest.StashKey[Session]()


def pytest_configure(config: pytest.Config) -> None:
    missing = tuple(s.path for s in SOURCES if not s.path.is_file())
    references = shared_references()
    observer = Observer(references) if references.sources else None
    config.stash[SESSION] = Session(observer, missing)
    if observer is not None:
        config.add_cleanup(install(observer))


def _checked_phase(item: pytest.Item, when: str) -> Iterator[None]:
    """Run one phase of a test; fail it if a response it saw broke its reference."""
    observer = item.config.stash[SESSION].observer
    if observer is None:
        return (yield)
    observer.begin_phase()
    try:
        result = yield
    except BaseException:
        problems = observer.end_phase()
        if problems:  # the phase failed anyway: say what else was wrong
            item.add_report_section(when, "reference validation", "\n".join(problems))
        raise
    problems = observer.end_phase()
    if problems:
        pytest.fail("responses that break the reference:\n" + "\n".join(problems), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    return (yield from _checked_phase(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    return (yield from _checked_phase(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    return (yield from _checked_phase(item, "teardown"))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: add up what a worker validated."""
    output = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
    if output is not None:
        node.config.stash[SESSION].tally.merge(output)


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash[SESSION]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and state.observer is not None:
        workeroutput[WORKER_OUTPUT_KEY] = state.observer.tally.to_json()
        return
    if state.totals().unattributed:  # no test to fail for them: the session fails
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash[SESSION]
    write = terminalreporter.write_line
    if state.observer is None:
        terminalreporter.write_sep("-", "reference validation skipped")
        write(f"reference validation skipped: no reference spec at {REFERENCE_ROOT}")
        return
    terminalreporter.write_sep("-", "reference validation")
    for line in summary_lines(state):
        write(line)


def summary_lines(state: Session) -> list[str]:
    assert state.observer is not None
    tally, references = state.totals(), state.observer.references
    lines = [f"reference spec not found, not validated: {path}" for path in state.missing]
    for source in references.sources:
        counts = {
            key.split("\t", 1)[1]: n
            for key, n in tally.validated.items()
            if key.startswith(source.label + "\t")
        }
        operations = {o.key for o in references.get(source).operations.values()}
        covered = operations & set(counts)
        statuses = sorted(
            (key.split("\t", 1)[1], n)
            for key, n in tally.statuses.items()
            if key.startswith(source.label + "\t")
        )
        lines.append(
            f"{source.label} ({source.mount}): {sum(counts.values())} responses validated, "
            f"{len(covered)} of its {len(operations)} operations covered; by status: "
            + (", ".join(f"{status} x{n}" for status, n in statuses) or "none")
        )
    lines.append(f"responses that broke the reference: {tally.violations}")
    for text in tally.unattributed:
        lines.append(f"seen outside any test (fails the session): {text}")
    for reason in SKIP_REASONS:
        if tally.skipped[reason]:
            lines.append(f"skipped {tally.skipped[reason]}: {reason}")
    lines.append(f"read other than literally: {len(QUIRKS)} quirks (QUIRKS in {__name__})")
    return lines
