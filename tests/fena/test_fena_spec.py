"""Our Fena spec (specs/fena.yaml) against Fena's own document, checked without a server.

The document (``<root>/shared/provider-docs/fena-data-and-vrp-api-1.0.1.txt``, beside the
checkout) is parsed at test time: its operations, their parameter and request-field tables
(required flags, formats, enums, lengths, patterns), the response statuses it lists, the
provider table, and every JSON request and response sample, each validated against our schema
with the validators Connexion itself uses. Without the document those checks skip.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator
from jsonschema import FormatChecker  # type: ignore[import-untyped, unused-ignore]

from mockserver.core.errors import ApiError
from mockserver.core.specs import load_spec
from mockserver.providers.fena.errors import envelope
from tests.support.openapi_doc import HTTP_METHODS, deref

SPEC = Path(__file__).resolve().parents[2] / "specs" / "fena.yaml"
DOCUMENT = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "provider-docs"
    / "fena-data-and-vrp-api-1.0.1.txt"
)
BASE = "/fena"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# The paths of DESIGN 2.1 and the handler (operationId) serving each.
OPERATIONS: dict[tuple[str, str], str] = {
    ("post", "/data/access-consents"): "create_access_consent",
    ("get", "/data/access-consents/{consentId}"): "get_access_consent",
    ("delete", "/data/access-consents/{consentId}"): "delete_access_consent",
    ("post", "/data/access-consents/{consentId}/reconfirm"): "reconfirm_access_consent",
    ("get", "/data/access-consents/{consentId}/accounts"): "get_accounts",
    ("get", "/data/access-consents/{consentId}/accounts/{accountId}/balances"): "get_balances",
    (
        "get",
        "/data/access-consents/{consentId}/accounts/{accountId}/transactions",
    ): "get_transactions",
    ("post", "/payment/vrp-consent"): "create_vrp_consent",
    ("get", "/payment/vrp-consent/{id}"): "get_vrp_consent",
    ("delete", "/payment/vrp-consent/{id}"): "delete_vrp_consent",
    ("post", "/payment/vrp"): "create_vrp_payment",
    ("get", "/payment/vrp/{id}"): "get_vrp_payment",
    ("post", "/data/webhooks"): "create_webhook",
    ("get", "/data/webhooks/{consentId}"): "get_webhook",
    ("delete", "/data/webhooks/{consentId}"): "delete_webhook",
    ("get", "/providers"): "get_providers",
    ("get", "/providers/vrp"): "get_vrp_providers",
    ("get", "/providers/{providerId}"): "get_provider",
}
OPERATION_IDS = sorted(OPERATIONS.values())
BY_ID = {operation_id: key for key, operation_id in OPERATIONS.items()}

# The document's heading of each operation.
TITLES: dict[str, str] = {
    "Create Account Access Consents": "create_access_consent",
    "Get Account Access Consents": "get_access_consent",
    "Delete Account Access Consents": "delete_access_consent",
    "Reconfirm Account Access Consent": "reconfirm_access_consent",
    "Get Accounts": "get_accounts",
    "Get Balances": "get_balances",
    "Get Transactions": "get_transactions",
    "Create VRP Consent": "create_vrp_consent",
    "Get VRP Consent": "get_vrp_consent",
    "Delete VRP Consent": "delete_vrp_consent",
    "Initiate VRP Payment": "create_vrp_payment",
    "Get VRP Payment": "get_vrp_payment",
    "Create a Webhook": "create_webhook",
    "Get Webhook": "get_webhook",
    "Delete a Webhook": "delete_webhook",
    "Get Providers": "get_providers",
    "Get Providers Supporting VRPs": "get_vrp_providers",
    "Get Provider": "get_provider",
}

# Parameters the document lists that the operation does not have. "Get Providers Supporting
# VRPs" repeats Get Provider's `providerId` path parameter, but its path has no template (and
# Get Provider, which does take it, lists none); our `/providers/{providerId}` declares it.
DOCUMENT_PARAMETER_ERRATA = {("get_vrp_providers", "path", "providerId")}

# Samples that break the document's own rules. They are recorded here, by the fields that fail,
# instead of loosening the schema; the test checks they still fail exactly there.
KNOWN_SAMPLE_EXCEPTIONS: dict[tuple[str, str], set[str]] = {
    # Placeholder values: the fields' own rules are a decimal of 4-10 characters matching
    # ^\d+\.\d{0,2}$ and (validFrom/validTo) an ISO 8601 date and time.
    ("create_vrp_consent", "request"): {
        "maximumIndividualAmount",
        "periodicLimits.0.amount",
        "validFrom",
        "validTo",
    },
    # Placeholders for a UUID (the field's own pattern) and a 4-10 character decimal.
    ("create_vrp_payment", "request"): {"vrpConsentId", "amount"},
    # The balance amount is shown as the number 0; every other OBIE Amount.Amount of the
    # document (the same balance's CreditLine, transactions, their Balance) is a decimal string,
    # as OBIE defines it and as the sandbox never sends money as a float.
    ("get_balances", "response"): {"Data.Balance.0.Amount.Amount"},
}
# Samples that are not valid JSON as printed: a trailing comma before a closing brace.
MALFORMED_SAMPLES = {("create_vrp_consent", "response")}


# -- the spec ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec(SPEC, BASE).document


@pytest.fixture(scope="module")
def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each operation by operationId, dereferenced, with its path item's parameters merged."""
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = deref(spec, item[method])
                shared = deref(spec, item.get("parameters", []))
                operation["parameters"] = shared + operation.get("parameters", [])
                operation["method"], operation["path"] = method, path
                found[operation["operationId"]] = operation
    return found


def parameter(operation: dict[str, Any], location: str, name: str) -> dict[str, Any] | None:
    for param in operation["parameters"]:
        if param["in"] == location and param["name"] == name:
            return dict(param)
    return None


def request_schema(operation: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema


def response_schema(operation: dict[str, Any], status: str) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def flatten(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema with the one-element ``allOf`` we use to describe a shared type merged."""
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf", []):
        merged = {**flatten(part), **merged}
    return merged


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


# Connexion validates with jsonschema's Draft 4 format checker, which knows neither date-time
# (without an optional package) nor uuid; the samples are held to both here.
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("uuid", raises=ValueError)(_uuid)


def schema_errors(schema: dict[str, Any], instance: Any, *, response: bool) -> set[str]:
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


def test_security_is_the_header_pair_everywhere(spec: dict[str, Any]) -> None:
    assert spec["security"] == [{"FenaClientId": [], "FenaClientSecret": []}]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["FenaClientId"]["name"] == "client_id"
    assert schemes["FenaClientSecret"]["name"] == "client_secret"
    for scheme in schemes.values():
        assert (scheme["type"], scheme["in"]) == ("apiKey", "header")
        module, _, name = scheme["x-apikeyInfoFunc"].rpartition(".")
        assert module == "mockserver.providers.fena.auth"
        assert callable(getattr(importlib.import_module(module), name))
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            assert "security" not in item.get(method, {}), f"{method} {path} overrides security"


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_every_operation_takes_the_credentials_and_namespace(
    operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    operation = operations[operation_id]
    for name in ("client_id", "client_secret"):
        header = parameter(operation, "header", name)
        assert header is not None and header["required"] is True
        assert header["schema"]["pattern"] == UUID_PATTERN
    namespace = parameter(operation, "header", "X-Sandbox-Namespace")
    assert namespace is not None and namespace["required"] is False
    templated = re.findall(r"\{(\w+)\}", operation["path"])
    assert sorted(p["name"] for p in operation["parameters"] if p["in"] == "path") == sorted(
        templated
    )


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_errors_are_in_the_fena_envelope(
    operations: dict[str, dict[str, Any]], spec: dict[str, Any], operation_id: str
) -> None:
    responses = operations[operation_id]["responses"]
    error = deref(spec, spec["components"]["schemas"]["Error"])
    for status in ("400", "401", "403", "500"):
        assert response_schema(operations[operation_id], status) == error
    takes_an_id = "{" in operations[operation_id]["path"] or operation_id in {
        "create_vrp_payment",
        "create_webhook",
    }
    assert ("404" in responses) == takes_an_id
    successes = [status for status in responses if status.startswith("2")]
    assert len(successes) == 1


def test_error_schema_is_what_the_envelope_renders(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["Error"]
    assert schema["additionalProperties"] is False
    for error in (
        ApiError(401, "Unknown client_id.", path="client_id"),
        ApiError(404, "No such consent."),
        ApiError(400, "Bad amount", code="VRP_LIMIT_EXCEEDED", path="amount"),
    ):
        body = envelope(error, None)
        assert schema_errors(schema, body, response=True) == set()
    assert schema_errors(schema, {"statusCode": 400, "message": "m"}, response=True) == {"<root>"}


def test_amount_reference_and_uuid_rules(spec: dict[str, Any]) -> None:
    schemas = deref(spec, spec["components"]["schemas"])
    amount = schemas["Amount"]
    for good in ("0.01", "10.00", "1234567.89", "100."):
        assert schema_errors(amount, good, response=False) == set(), good
    for bad in ("1.5", "10", "1.234", "12345678.90", "-1.00", "1,00"):
        assert schema_errors(amount, bad, response=False) != set(), bad
    reference = schemas["CreateVrpConsentRequest"]["properties"]["reference"]
    assert schema_errors(reference, None, response=False) == set()
    assert schema_errors(reference, "x" * 18, response=False) == set()
    assert schema_errors(reference, "x" * 19, response=False) == {"<root>"}
    assert schema_errors(reference, "", response=False) == {"<root>"}
    uuid_schema = schemas["Uuid"]
    assert schema_errors(uuid_schema, str(uuid.uuid4()), response=False) == set()
    assert schema_errors(uuid_schema, "not-a-uuid", response=False) == {"<root>"}


def test_providers_are_read_without_an_enum(operations: dict[str, dict[str, Any]]) -> None:
    # Which providers exist, and whether they are active, is data; a read of an unknown one is
    # a 404 in Fena's envelope, not a validation failure.
    provider_id = parameter(operations["get_provider"], "path", "providerId")
    assert provider_id is not None and "enum" not in provider_id["schema"]
    listed = response_schema(operations["get_providers"], "200")["items"]
    assert "enum" not in listed["properties"]["id"]


# -- the document --------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    location: str  # path, query, header, body
    required: bool
    text: str  # what follows the name: type, format, enum, limits, description


@dataclass
class Section:
    title: str
    lines: list[str]
    fields: list[Field] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    request_sample: str | None = None
    response_sample: str | None = None


FIELD = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?P<required> required)? \| (?P<text>.*)$")
GROUPS = {
    "path Parameters": "path",
    "query Parameters": "query",
    "header Parameters": "header",
    "Request Body schema: application/json": "body",
}
PROVIDER_ROW = re.compile(r"^(?P<name>[^|]+) \| (?P<id>\S+) \| (?P<status>Active|Inactive) \|$")


@cache
def document_text() -> str | None:
    return DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.is_file() else None


def require_document() -> str:
    text = document_text()
    if text is None:
        pytest.skip(f"Fena's document is not at {DOCUMENT}")
    return text


def parse_sections(text: str) -> dict[str, Section]:
    """Each operation's lines: from its heading (followed by "Authorizations:") to the next."""
    lines = text.splitlines()
    starts = [i for i in range(len(lines) - 1) if lines[i + 1] == "Authorizations:"]
    sections: dict[str, Section] = {}
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        section = Section(lines[start], lines[start:end])
        _read_section(section)
        sections[section.title] = section
    return sections


def _read_section(section: Section) -> None:
    location: str | None = None
    mode = "fields"
    sample: list[str] = []
    for line in section.lines[2:]:
        if line in GROUPS:
            location = GROUPS[line]
        elif line == "Responses":
            location = None
        elif line == "Request samples":
            mode = "request"
        elif line == "Response samples":
            if sample:
                section.request_sample = "\n".join(sample)
            mode, sample = "statuses", []
        elif mode == "fields" and location is not None and (match := FIELD.match(line)):
            if match["name"] not in ("required", "object"):  # unnamed object rows
                required = match["required"] is not None
                section.fields.append(Field(match["name"], location, required, match["text"]))
        elif mode == "request" and line != "- Payload":
            sample.append(line)
        elif mode == "statuses" and re.fullmatch(r"- \d{3}", line):
            section.statuses.append(line[2:])
        elif mode in ("statuses", "response") and (mode == "response" or line[:1] in "{["):
            mode = "response"
            sample.append(line)
    if mode == "response":
        section.response_sample = "\n".join(sample)


def sample_json(printed: str) -> tuple[Any, bool]:
    """A sample as the document prints it (each member after "- "), parsed; and whether it
    needed repair (a trailing comma)."""
    text = re.sub(r"(?m)^- ", "", printed)
    text = re.sub(r"([\[{,]) ?- ", r"\1 ", text)
    try:
        return json.loads(text), False
    except json.JSONDecodeError:
        return json.loads(re.sub(r",(\s*[}\]])", r"\1", text)), True


@pytest.fixture(scope="module")
def sections() -> dict[str, Section]:
    return parse_sections(require_document())


def samples() -> Iterator[tuple[str, str]]:
    for operation_id in OPERATION_IDS:
        if operation_id.startswith("create_"):
            yield operation_id, "request"
        yield operation_id, "response"


def section_of(sections: dict[str, Section], operation_id: str) -> Section:
    (title,) = [t for t, o in TITLES.items() if o == operation_id]
    return sections[title]


def test_the_parser_reads_the_printed_samples() -> None:
    printed = '{- "a": [\n- {\n- "b": 1\n}, - {\n- "c": "x - y"\n}\n], - "d": { },\n}'
    assert sample_json(printed) == ({"a": [{"b": 1}, {"c": "x - y"}], "d": {}}, True)
    assert sample_json('[- {\n- "id": "ob-monzo"\n}\n]') == ([{"id": "ob-monzo"}], False)


def test_the_document_has_our_operations(sections: dict[str, Section]) -> None:
    assert sorted(sections) == sorted(TITLES)
    for section in sections.values():
        assert section.statuses, f"{section.title}: no response statuses found"
        assert section.response_sample, f"{section.title}: no response sample found"


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_documented_statuses_are_declared(
    sections: dict[str, Section], operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    documented = section_of(sections, operation_id).statuses
    assert set(documented) <= set(operations[operation_id]["responses"])
    # The sample shown is the first status's, the success.
    assert documented[0].startswith("2")


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_documented_parameters(
    sections: dict[str, Section], operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    operation = operations[operation_id]
    for doc_field in section_of(sections, operation_id).fields:
        if doc_field.location == "body":
            continue
        key = (operation_id, doc_field.location, doc_field.name)
        ours = parameter(operation, doc_field.location, doc_field.name)
        if key in DOCUMENT_PARAMETER_ERRATA:
            assert ours is None
            continue
        assert ours is not None, f"{doc_field.location} parameter {doc_field.name} is missing"
        assert ours["required"] is doc_field.required, doc_field.name
        check_field_rules(flatten(ours["schema"]), doc_field)


@pytest.mark.parametrize(
    "operation_id",
    ["create_access_consent", "create_vrp_consent", "create_vrp_payment", "create_webhook"],
)
def test_documented_request_fields(
    sections: dict[str, Section], operations: dict[str, dict[str, Any]], operation_id: str
) -> None:
    schema = request_schema(operations[operation_id])
    body_fields = [f for f in section_of(sections, operation_id).fields if f.location == "body"]
    assert body_fields
    for doc_field in body_fields:
        assert doc_field.name in schema["properties"], doc_field.name
        assert (doc_field.name in schema.get("required", [])) is doc_field.required, doc_field.name
        check_field_rules(flatten(schema["properties"][doc_field.name]), doc_field)


def check_field_rules(schema: dict[str, Any], doc_field: Field) -> None:
    text, name = doc_field.text, doc_field.name
    if "<uuid>" in text:
        assert schema.get("format") == "uuid", name
        assert schema.get("pattern") == UUID_PATTERN, name
    if "<date-time>" in text:
        assert schema.get("format") == "date-time", name
    if text.startswith("boolean"):
        assert schema.get("type") == "boolean", name
    if text.startswith("Array"):
        assert schema.get("type") == "array", name
        if "non-empty" in text:
            assert schema.get("minItems") == 1, name
    if "or null" in text:
        assert schema.get("nullable") is True, name
    if enum := re.search(r'Enum: ((?:"[^"]+" ?)+)', text):
        values = re.findall(r'"([^"]+)"', enum[1])
        target = flatten(schema["items"]) if "Items Enum" in text else schema
        assert target.get("enum") == values, name
    if limits := re.search(r"\[ (\d+) \.\. (\d+) \] characters", text):
        assert (schema.get("minLength"), schema.get("maxLength")) == (
            int(limits[1]),
            int(limits[2]),
        ), name
    if pattern := re.search(r"(\^\S+)", text):
        printed = pattern[1]
        if printed.endswith("..."):  # the document cuts long patterns short
            assert str(schema.get("pattern", "")).startswith(printed[:-3]), name
        else:
            assert schema.get("pattern") == printed, name


def test_the_provider_table(sections: dict[str, Section], spec: dict[str, Any]) -> None:
    text = require_document()
    rows = [m.groupdict() for line in text.splitlines() if (m := PROVIDER_ROW.match(line))]
    assert len(rows) == 26
    assert {r["id"] for r in rows if r["status"] == "Inactive"} == {
        "ob-sandbox-lloyds",
        "ob-metro-personal",
    }
    # Every bank of the table can be asked for a consent; inactive ones are refused by the
    # sandbox's rules, not by the schema.
    enum = spec["components"]["schemas"]["AccessProviderId"]["enum"]
    assert {r["id"] for r in rows} <= set(enum)
    assert len(enum) == len(set(enum)) == 32


@pytest.mark.parametrize(("operation_id", "kind"), list(samples()))
def test_document_samples_validate(
    sections: dict[str, Section],
    operations: dict[str, dict[str, Any]],
    operation_id: str,
    kind: str,
) -> None:
    section = section_of(sections, operation_id)
    operation = operations[operation_id]
    printed = section.request_sample if kind == "request" else section.response_sample
    if printed is None:
        assert kind == "request" and "requestBody" not in operation
        return
    instance, repaired = sample_json(printed)
    assert repaired is ((operation_id, kind) in MALFORMED_SAMPLES)
    if kind == "request":
        schema = request_schema(operation)
    else:
        schema = response_schema(operation, section.statuses[0])
    errors = schema_errors(schema, instance, response=kind == "response")
    assert errors == KNOWN_SAMPLE_EXCEPTIONS.get((operation_id, kind), set())


def test_every_create_operation_has_a_request_sample(sections: dict[str, Section]) -> None:
    with_samples = {TITLES[t] for t, s in sections.items() if s.request_sample is not None}
    assert with_samples == {
        "create_access_consent",
        "create_vrp_consent",
        "create_vrp_payment",
        "create_webhook",
    }


def test_vrp_samples_show_the_stringified_fields_as_json(sections: dict[str, Section]) -> None:
    consent, _ = sample_json(str(section_of(sections, "get_vrp_consent").response_sample))
    assert json.loads(consent["periodicLimits"]) == [
        {"periodType": "Day", "periodAlignment": "Consent", "amount": "20.00"},
        {"periodType": "Month", "periodAlignment": "Consent", "amount": "100.00"},
    ]
    assert json.loads(consent["vrpType"]) == ["Sweeping"]
    assert json.loads(consent["psuAuthenticationMethods"]) == ["SCANotRequired"]


# -- checks that need no document ----------------------------------------------------------------


def test_stringified_vrp_fields_accept_what_json_dumps_writes(spec: dict[str, Any]) -> None:
    consent = deref(spec, spec["components"]["schemas"]["VrpConsent"])["properties"]
    limits = [{"periodType": "Week", "periodAlignment": "Calendar", "amount": "5.00"}]
    compact = (",", ":")  # as Fena writes them: no spaces
    for name, value in (
        ("periodicLimits", json.dumps(limits, separators=compact)),
        ("vrpType", json.dumps(["Sweeping", "Other"], separators=compact)),
        ("psuAuthenticationMethods", json.dumps(["SCA"], separators=compact)),
    ):
        assert schema_errors(consent[name], value, response=True) == set(), name
    assert schema_errors(consent["vrpType"], '["Sweeping", "Other"]', response=True) == {"<root>"}
