"""Our VRP spec (specs/openbanking_uk_vrp.yaml) against the official OBIE v3.1.11 one.

The reference and its examples are read from beside the checkout (``<root>/shared/reference/...``
next to ``<root>/main``); without them the comparisons skip, saying why. The checks of what we
add to the reference need nothing outside the repository.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# No stubs for jsonschema in the venv today; the second code keeps this quiet once there are.
from jsonschema import (  # type: ignore[import-untyped, unused-ignore]
    Draft4Validator,
    FormatChecker,
    ValidationError,
    validators,
)

from mockserver.core.specs import load_spec
from tests.conftest import NamespacedClient
from tests.support.openapi_doc import deref, operations

SPEC = Path(__file__).resolve().parents[2] / "specs" / "openbanking_uk_vrp.yaml"
REFERENCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference" / "openbanking-uk"
REFERENCE = REFERENCE_DIR / "v3.1.11r5-vrp-openapi.json"
EXAMPLES = REFERENCE_DIR / "vrp-examples-v3.1.11"
PISP = "/ob/open-banking/v3.1/pisp"
JSON_UTF8 = "application/json; charset=utf-8"
MEDIA_TYPES = {JSON_UTF8, "application/json", "application/jose+jwe"}
RFC7231_DATE = (
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC)$"
)

CONSENTS = "/domestic-vrp-consents"
CONSENT = "/domestic-vrp-consents/{ConsentId}"
FUNDS = "/domestic-vrp-consents/{ConsentId}/funds-confirmation"
VRPS = "/domestic-vrps"
VRP = "/domestic-vrps/{DomesticVRPId}"
DETAILS = "/domestic-vrps/{DomesticVRPId}/payment-details"

# Every VRP operation of v3.1.11, and the handler (operationId) that serves it.
OPERATIONS: dict[tuple[str, str], str] = {
    ("post", CONSENTS): "create_domestic_vrp_consent",
    ("get", CONSENT): "get_domestic_vrp_consent",
    ("delete", CONSENT): "delete_domestic_vrp_consent",
    ("post", FUNDS): "confirm_vrp_funds",
    ("post", VRPS): "create_domestic_vrp",
    ("get", VRP): "get_domestic_vrp",
    ("get", DETAILS): "get_domestic_vrp_details",
}
OPERATION_KEYS = sorted(OPERATIONS)
IDS = [f"{method.upper()} {path}" for method, path in OPERATION_KEYS]

TPP = {"TPPOAuth2Security": ["payments"]}
PSU = {"PSUOAuth2Security": ["payments"]}
# Known difference: the reference names the TPP's token on every operation. In the standard's
# flow the funds check and the payment use the token the PSU granted for the consent, and a
# payment can be read back with either token.
SECURITY: dict[tuple[str, str], list[dict[str, list[str]]]] = {
    ("post", CONSENTS): [TPP],
    ("get", CONSENT): [TPP],
    ("delete", CONSENT): [TPP],
    ("post", FUNDS): [PSU],
    ("post", VRPS): [PSU],
    ("get", VRP): [TPP, PSU],
    ("get", DETAILS): [TPP, PSU],
}
# Known difference: the reference requires x-jws-signature. Ours is optional so that the server
# answers a missing one itself, with the profile's 400 UK.OBIE.Signature.Missing (Connexion's
# own missing-header error would lose the code), and so that the sandbox can relax the check.
REQUIRED_DIFFERS = {("x-jws-signature", "header"): (True, False)}
# The parameters we declare beyond the reference's: v3.1.1's headers and the sandbox namespace.
EXTRA_HEADERS = {"x-fapi-financial-id", "x-fapi-customer-last-logged-time", "x-sandbox-namespace"}
# Known difference: the reference's OBCharge2 requires Type and Amount but defines only
# ChargeBearer. Ours is the whole charge, exactly the item the reference writes inline under
# OBDomesticVRPResponse's Data.Charges (which ours refers to OBCharge2 for).
SCHEMA_FIXES = {"OBCharge2"}
# Statuses answered without a body, and those that carry an OBErrorResponse1.
BODILESS = {"401", "404", "405", "406", "415", "429"}
ERROR_BODIES = {"400", "403", "409", "500"}

SCHEMA_KEYWORDS = (
    "type",
    "format",
    "enum",
    "x-namespaced-enum",
    "default",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minProperties",
)
ANNOTATIONS = {"description", "title", "example"}


# -- loading and dereferencing -----------------------------------------------------------------


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return load_spec(SPEC, PISP).document


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not REFERENCE.is_file():
        pytest.skip(f"the OBIE v3.1.11 VRP reference spec is not at {REFERENCE}")
    document: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def our_operations(ours: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return operations(ours)


@pytest.fixture(scope="module")
def reference_operations(reference: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return operations(reference)


def parameters(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The operation's parameters by (name, location); header names are case-insensitive."""
    return {
        (p["name"].lower() if p["in"] == "header" else p["name"], p["in"]): p
        for p in operation["parameters"]
    }


def single(schema: Any) -> Any:
    """A schema that is one other schema plus a note, as that schema.

    The reference notes a named schema as ``allOf: [schema, {description}]`` (or with a
    description beside a ``$ref``, which dereferencing drops); ours as ``description`` beside
    ``allOf: [schema]``. Both mean the one schema.
    """
    if not isinstance(schema, dict) or "allOf" not in schema:
        return schema
    parts = [p for p in schema["allOf"] if not (isinstance(p, dict) and set(p) <= ANNOTATIONS)]
    if len(parts) == 1 and set(schema) - ANNOTATIONS == {"allOf"}:
        return single(parts[0])
    return schema


def first_difference(ref: Any, our: Any, path: str = "$") -> str | None:
    """Where two dereferenced schemas first differ, as a JSON path and what differs; or None.

    Compares property names, required lists, enums, types, patterns, lengths, allOf parts and
    additionalProperties, recursing into properties and items; descriptions are ours.
    """
    ref, our = single(ref), single(our)
    if not isinstance(ref, dict) or not isinstance(our, dict):
        return None if ref == our else f"{path}: {ref!r} != {our!r}"
    for keyword in SCHEMA_KEYWORDS:
        if ref.get(keyword) != our.get(keyword):
            return f"{path}: {keyword} {ref.get(keyword)!r} != {our.get(keyword)!r}"
    if sorted(ref.get("required", [])) != sorted(our.get("required", [])):
        return f"{path}: required {ref.get('required')} != {our.get('required')}"
    ref_parts, our_parts = ref.get("allOf", []), our.get("allOf", [])
    if len(ref_parts) != len(our_parts):
        return f"{path}: {len(ref_parts)} allOf parts != {len(our_parts)}"
    for index, (ref_part, our_part) in enumerate(zip(ref_parts, our_parts, strict=True)):
        found = first_difference(ref_part, our_part, f"{path}.<allOf {index}>")
        if found:
            return found
    extra_ref, extra_our = (
        ref.get("additionalProperties", True),
        our.get("additionalProperties", True),
    )
    if isinstance(extra_ref, dict) or isinstance(extra_our, dict):
        found = first_difference(extra_ref, extra_our, f"{path}.<additionalProperties>")
        if found:
            return found
    elif extra_ref != extra_our:
        return f"{path}: additionalProperties {extra_ref!r} != {extra_our!r}"
    ref_props, our_props = ref.get("properties", {}), our.get("properties", {})
    if set(ref_props) != set(our_props):
        missing, extra = (
            sorted(set(ref_props) - set(our_props)),
            sorted(set(our_props) - set(ref_props)),
        )
        return f"{path}: properties missing {missing}, extra {extra}"
    for name in ref_props:
        found = first_difference(ref_props[name], our_props[name], f"{path}.{name}")
        if found:
            return found
    if "items" in ref or "items" in our:
        return first_difference(ref.get("items"), our.get("items"), f"{path}[]")
    return None


def test_the_comparer_reports_the_path_of_the_first_difference() -> None:
    ref = {"type": "object", "properties": {"A": {"type": "array", "items": {"enum": ["x", "y"]}}}}
    our = {"type": "object", "properties": {"A": {"type": "array", "items": {"enum": ["x"]}}}}
    assert first_difference(ref, our) == "$.A[]: enum ['x', 'y'] != ['x']"
    assert first_difference(ref, ref) is None
    assert first_difference({"required": ["A"]}, {}) == "$: required ['A'] != None"
    assert first_difference({"pattern": "^a$"}, {"pattern": "^b$"}) == "$: pattern '^a$' != '^b$'"
    no_extra = {"type": "object", "additionalProperties": False}
    assert first_difference(no_extra, {"type": "object"}) == (
        "$: additionalProperties False != True"
    )


def test_the_comparer_reads_a_noted_schema_as_the_schema() -> None:
    code = {"type": "string", "x-namespaced-enum": ["UK.OBIE.SCA"]}
    theirs = {"allOf": [code, {"description": "theirs"}]}
    assert first_difference(theirs, {"description": "ours", "allOf": [code]}) is None
    assert first_difference(theirs, code) is None
    other = {"type": "string", "x-namespaced-enum": ["UK.OBIE.SCANotRequired"]}
    assert first_difference(theirs, {"allOf": [other]}) == (
        "$: x-namespaced-enum ['UK.OBIE.SCA'] != ['UK.OBIE.SCANotRequired']"
    )
    two = {"allOf": [code, {"minLength": 1}]}
    assert first_difference(two, {"allOf": [code, code, code]}) == "$: 2 allOf parts != 3"
    assert first_difference(two, {"allOf": [code, {"minLength": 2}]}) == (
        "$.<allOf 1>: minLength 1 != 2"
    )


# -- against the reference -----------------------------------------------------------------------


def test_same_paths_and_methods(
    reference_operations: dict[tuple[str, str], Any], our_operations: dict[tuple[str, str], Any]
) -> None:
    assert sorted(reference_operations) == OPERATION_KEYS
    assert sorted(our_operations) == OPERATION_KEYS


def test_operation_ids_are_our_handler_names(our_operations: dict[tuple[str, str], Any]) -> None:
    ids = {key: operation.get("operationId") for key, operation in our_operations.items()}
    assert ids == OPERATIONS


def test_the_mount_is_the_pisp_base_path(ours: dict[str, Any]) -> None:
    assert ours["openapi"] == "3.0.3"
    assert ours["servers"] == [{"url": PISP}]
    assert ours["info"]["version"] == "3.1.11"


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_status_codes(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    assert sorted(our_operations[key]["responses"]) == sorted(
        reference_operations[key]["responses"]
    )


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_security_is_the_standard_flows(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    # The reference's, so that the list of known differences stays true.
    assert reference_operations[key]["security"] == [TPP]
    assert our_operations[key]["security"] == SECURITY[key]


def test_the_funds_check_says_why_it_takes_the_psu_token(
    our_operations: dict[tuple[str, str], Any],
) -> None:
    description = our_operations[("post", FUNDS)]["description"]
    assert "TPPOAuth2Security" in description
    assert "PSU" in description


def test_same_security_schemes_and_scopes(reference: dict[str, Any], ours: dict[str, Any]) -> None:
    theirs, mine = reference["components"]["securitySchemes"], ours["components"]["securitySchemes"]
    assert sorted(mine) == sorted(theirs) == ["PSUOAuth2Security", "TPPOAuth2Security"]
    for name, scheme in theirs.items():
        assert mine[name]["type"] == scheme["type"] == "oauth2"
        assert sorted(mine[name]["flows"]) == sorted(scheme["flows"])
        for flow_name, flow in scheme["flows"].items():
            assert sorted(mine[name]["flows"][flow_name]["scopes"]) == sorted(flow["scopes"])
        # Connexion checks tokens through this; the URLs are our authorisation server's.
        assert mine[name]["x-tokenInfoFunc"] == "mockserver.core.oauth.endpoints.token_info"
        for flow in mine[name]["flows"].values():
            assert flow["tokenUrl"] == "/ob/oauth2/token"
            assert flow.get("authorizationUrl", "/ob/oauth2/authorize") == "/ob/oauth2/authorize"


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_every_reference_parameter_is_declared_alike(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    mine = parameters(our_operations[key])
    for name_in, theirs in parameters(reference_operations[key]).items():
        assert name_in in mine, f"{name_in} is not declared"
        ours = mine[name_in]
        assert ours["in"] == theirs["in"], name_in
        assert ours["schema"] == theirs["schema"], name_in
        required = (theirs.get("required", False), ours.get("required", False))
        assert required == REQUIRED_DIFFERS.get(name_in, (required[0], required[0])), name_in


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_only_the_v311_and_sandbox_headers_are_added(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    added = set(parameters(our_operations[key])) - set(parameters(reference_operations[key]))
    assert added == {(name, "header") for name in EXTRA_HEADERS}


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_request_body(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    theirs, ours = (
        reference_operations[key].get("requestBody"),
        our_operations[key].get("requestBody"),
    )
    assert (theirs is None) == (ours is None) == (key[0] != "post")
    if theirs is None or ours is None:
        return
    assert ours["required"] == theirs["required"] is True
    assert set(ours["content"]) == set(theirs["content"]) == MEDIA_TYPES
    for media_type, media in theirs["content"].items():
        difference = first_difference(media["schema"], ours["content"][media_type]["schema"])
        assert difference is None, f"{media_type}: {difference}"


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_same_response_media_types_schemas_and_headers(
    key: tuple[str, str],
    reference_operations: dict[tuple[str, str], Any],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    for status, theirs in reference_operations[key]["responses"].items():
        ours = our_operations[key]["responses"][status]
        their_content, our_content = theirs.get("content", {}), ours.get("content", {})
        assert set(our_content) == set(their_content), status
        for media_type, media in their_content.items():
            where = f"{status} {media_type}"
            difference = first_difference(media["schema"], our_content[media_type]["schema"], where)
            assert difference is None, difference
        # Every header the reference declares, none required (the sandbox stamps
        # x-fapi-interaction-id after the response is checked). Ours adds it where the
        # reference forgot it: on the 204 of DELETE.
        their_headers, our_headers = theirs.get("headers", {}), ours.get("headers", {})
        assert set(their_headers) <= set(our_headers), status
        assert set(our_headers) - set(their_headers) <= {"x-fapi-interaction-id"}, status
        assert not any(header.get("required") for header in our_headers.values()), status


def reference_schemas_used(reference: dict[str, Any]) -> set[str]:
    """The reference's schemas that its operations use, directly or through other schemas."""
    theirs = reference["components"]["schemas"]
    used: set[str] = set()
    pending = [json.dumps(reference["paths"]), json.dumps(reference["components"]["responses"])]
    while pending:
        text = pending.pop()
        for name in theirs:
            if f'"#/components/schemas/{name}"' in text and name not in used:
                used.add(name)
                pending.append(json.dumps(theirs[name]))
    return used


def test_every_reference_schema_is_kept_alike(
    reference: dict[str, Any], ours: dict[str, Any]
) -> None:
    """Every schema of the reference is defined here under the same name, and agrees with it."""
    theirs, mine = reference["components"]["schemas"], ours["components"]["schemas"]
    assert set(theirs) - set(mine) == set()
    for name in sorted(set(theirs) - SCHEMA_FIXES):
        difference = first_difference(deref(reference, theirs[name]), deref(ours, mine[name]), name)
        assert difference is None, difference
    # The operations use most of them; the rest (such as OBExternalStatus2Code) are kept so
    # that the names resolve.
    assert "OBDomesticVRPDetails" in reference_schemas_used(reference)


def test_our_charge_is_the_reference_inline_charge(
    reference: dict[str, Any], ours: dict[str, Any]
) -> None:
    their_charge = reference["components"]["schemas"]["OBCharge2"]
    assert sorted(their_charge["required"]) == ["Amount", "ChargeBearer", "Type"]
    assert sorted(their_charge["properties"]) == ["ChargeBearer"]  # the reference's slip
    response = reference["components"]["schemas"]["OBDomesticVRPResponse"]
    inline = deref(reference, response["properties"]["Data"]["properties"]["Charges"]["items"])
    mine = deref(ours, ours["components"]["schemas"]["OBCharge2"])
    assert first_difference(inline, mine, "OBCharge2") is None


# -- what we add to the reference, and what must hold in any case --------------------------------


def test_read_refund_account_values_are_strings(ours: dict[str, Any]) -> None:
    """YAML 1.1 reads an unquoted Yes and No as booleans; the enum must stay strings."""
    schemas = ours["components"]["schemas"]
    for name in ("OBDomesticVRPConsentRequest", "OBDomesticVRPConsentResponse"):
        field = schemas[name]["properties"]["Data"]["properties"]["ReadRefundAccount"]
        assert field["enum"] == ["Yes", "No"], name


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_sandbox_and_v311_headers(
    key: tuple[str, str], our_operations: dict[tuple[str, str], Any]
) -> None:
    declared = parameters(our_operations[key])
    for name in EXTRA_HEADERS:
        assert declared[(name, "header")].get("required", False) is False, name
    last_logged = declared[("x-fapi-customer-last-logged-time", "header")]["schema"]
    assert last_logged["pattern"] == RFC7231_DATE
    assert declared[("x-fapi-auth-date", "header")]["schema"]["pattern"] == RFC7231_DATE
    assert declared[("authorization", "header")]["required"] is True


@pytest.mark.parametrize("key", OPERATION_KEYS, ids=IDS)
def test_idempotency_key_and_signature(
    key: tuple[str, str], our_operations: dict[tuple[str, str], Any]
) -> None:
    declared = parameters(our_operations[key])
    idempotency = declared.get(("x-idempotency-key", "header"))
    if key in {("post", CONSENTS), ("post", VRPS)}:
        assert idempotency is not None
        assert idempotency["required"] is True
        assert idempotency["schema"] == {
            "type": "string",
            "maxLength": 40,
            "pattern": r"^(?!\s)(.*)(\S)$",
        }
        assert "UK.OBIE.Rules.ResourceAlreadyExists" in idempotency["description"]
    else:
        assert idempotency is None
    signature = declared.get(("x-jws-signature", "header"))
    if key[0] == "post":
        assert signature is not None
        assert signature["required"] is False
        for said in ("UK.OBIE.Signature.Missing", "--relax-jws", "MOCKSERVER_RELAX_JWS"):
            assert said in signature["description"], said
    else:
        assert signature is None


def test_errors_without_a_body_are_declared_without_content(
    our_operations: dict[tuple[str, str], Any],
) -> None:
    for key, operation in our_operations.items():
        for status, response in operation["responses"].items():
            if status in BODILESS or status == "204":
                assert "content" not in response, (key, status)
            elif status in ERROR_BODIES:
                assert set(response["content"]) == MEDIA_TYPES, (key, status)
                schema = response["content"][JSON_UTF8]["schema"]
                assert sorted(schema["required"]) == ["Code", "Errors", "Message"], (key, status)


def test_the_description_tells_the_flow_and_the_rules(ours: dict[str, Any]) -> None:
    description = ours["info"]["description"]
    for said in (
        PISP,
        "scope=openid payments",
        "claims.id_token.openbanking_intent_id",
        "funds-confirmation",
        "MaximumIndividualAmount",
        "PeriodicLimits",
        "Calendar",
        "ValidToDateTime",
        "UK.OBIE.Rules.FailsControlParameters",
        "AIS",
        "x-idempotency-key",
        "24 hours",
        "UK.OBIE.Rules.ResourceAlreadyExists",
        "PS256",
        "--relax-jws",
        "MOCKSERVER_RELAX_JWS",
    ):
        assert said in description, said


# -- the official examples -----------------------------------------------------------------------
# Each example file, the operation it belongs to, and the status it answers (None: a request).

EXAMPLE_FILES: dict[str, tuple[tuple[str, str], str | None]] = {
    "vrp-1-consent-req.json": (("post", CONSENTS), None),
    "vrp-1-consent-resp.json": (("post", CONSENTS), "201"),
    "vrp-1-consent-get-resp.json": (("get", CONSENT), "200"),
    "vrp-1-req.json": (("post", VRPS), None),
    "vrp-1-resp.json": (("post", VRPS), "201"),
    "vrp-2-consent-req.json": (("post", CONSENTS), None),
    "vrp-2-consent-resp.json": (("post", CONSENTS), "201"),
    "vrp-2-consent-get-resp.json": (("get", CONSENT), "200"),
    "vrp-2-req.json": (("post", VRPS), None),
    "vrp-2-resp.json": (("post", VRPS), "201"),
}


def check_namespaced_enum(
    validator: Any, values: list[str], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """x-namespaced-enum as the sandbox enforces it (validators ignore the keyword)."""
    if isinstance(instance, str) and instance not in values:
        yield ValidationError(f"{instance!r} is not one of {values}")


NamespacedValidator = validators.extend(
    Draft4Validator, {"x-namespaced-enum": check_namespaced_enum}
)
# jsonschema checks no "date-time" without optional packages: check it here, with the offset the
# OBIE specification requires.
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FORMATS = FormatChecker(formats=())


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not DATE_TIME.fullmatch(value):
        return False
    datetime.fromisoformat(value)
    return True


FORMATS.checks("date-time", raises=ValueError)(is_date_time)


def schema_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = NamespacedValidator(schema, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def walk(node: Any, fix: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``fix`` to every object in ``node``."""
    if isinstance(node, dict):
        fix(node)
        for value in node.values():
            walk(value, fix)
    elif isinstance(node, list):
        for value in node:
            walk(value, fix)


def namespace_scheme_name(node: dict[str, Any]) -> None:
    if node.get("SchemeName") == "SortCodeAccountNumber":
        node["SchemeName"] = "UK.OBIE.SortCodeAccountNumber"


def corrected(name: str, example: dict[str, Any]) -> dict[str, Any]:
    """The example with its known mistakes against the reference schema put right."""
    fixed = copy.deepcopy(example)
    data = fixed["Data"]
    # 1. CreditorAccount.SchemeName is "SortCodeAccountNumber", the v3.0 name; v3.1 namespaces
    #    it as UK.OBIE.SortCodeAccountNumber (x-namespaced-enum of
    #    OBExternalAccountIdentification4Code), as the same examples do for UK.OBIE.IBAN.
    walk(fixed, namespace_scheme_name)
    if "consent" in name:
        # 2. ControlParameters.VRPType is a string; the schema has an array of them.
        controls = data["ControlParameters"]
        if isinstance(controls["VRPType"], str):
            controls["VRPType"] = [controls["VRPType"]]
    if name.endswith("-req.json") and "consent" not in name:
        # 3. A payment names its one authentication method as PSUAuthenticationMethod (the
        #    consent's list is PSUAuthenticationMethods); the examples use the plural name.
        data["PSUAuthenticationMethod"] = data.pop("PSUAuthenticationMethods")
        # 4. The payment's VRPType is required and missing; the consent's is sweeping.
        data.setdefault("VRPType", "UK.OBIE.VRPType.Sweeping")
    if "consent" not in name:
        # 5. Instruction's required InstructionIdentification and EndToEndIdentification are
        #    missing, in the requests and the responses.
        instruction = data["Instruction"]
        instruction.setdefault("InstructionIdentification", "ACME412")
        instruction.setdefault("EndToEndIdentification", "FRESCO.21302.GFX.20")
    return fixed


@pytest.fixture(scope="module")
def examples() -> dict[str, dict[str, Any]]:
    if not EXAMPLES.is_dir():
        pytest.skip(f"the OBIE v3.1.11 VRP examples are not at {EXAMPLES}")
    found = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in EXAMPLES.iterdir()}
    assert sorted(found) == sorted(EXAMPLE_FILES)
    return found


def example_schema(our_operations: dict[tuple[str, str], Any], name: str) -> dict[str, Any]:
    key, status = EXAMPLE_FILES[name]
    operation = our_operations[key]
    if status is None:
        schema: dict[str, Any] = operation["requestBody"]["content"][JSON_UTF8]["schema"]
    else:
        schema = operation["responses"][status]["content"][JSON_UTF8]["schema"]
    return schema


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_official_examples_validate_once_corrected(
    name: str,
    examples: dict[str, dict[str, Any]],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    schema = example_schema(our_operations, name)
    assert schema_errors(schema, corrected(name, examples[name])) == []


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_official_examples_as_published_are_refused(
    name: str,
    examples: dict[str, dict[str, Any]],
    our_operations: dict[tuple[str, str], Any],
) -> None:
    """Each correction above is needed: every example fails as published."""
    schema = example_schema(our_operations, name)
    assert schema_errors(schema, examples[name]) != []


def test_a_namespaced_value_outside_the_list_is_refused(
    examples: dict[str, dict[str, Any]], our_operations: dict[tuple[str, str], Any]
) -> None:
    name = "vrp-1-consent-req.json"
    broken = corrected(name, examples[name])
    broken["Data"]["ControlParameters"]["VRPType"] = ["UK.OBIE.VRPType.Commercial"]
    errors = schema_errors(example_schema(our_operations, name), broken)
    assert errors == [
        "Data/ControlParameters/VRPType/0: 'UK.OBIE.VRPType.Commercial' is not one of"
        " ['UK.OBIE.VRPType.Sweeping', 'UK.OBIE.VRPType.Other']"
    ]


def test_a_date_time_without_an_offset_is_refused(
    examples: dict[str, dict[str, Any]], our_operations: dict[tuple[str, str], Any]
) -> None:
    name = "vrp-1-consent-req.json"
    broken = corrected(name, examples[name])
    broken["Data"]["ControlParameters"]["ValidToDateTime"] = "2020-06-05T15:15:13"
    errors = schema_errors(example_schema(our_operations, name), broken)
    assert errors == [
        "Data/ControlParameters/ValidToDateTime: '2020-06-05T15:15:13' is not a 'date-time'"
    ]


# -- served ----------------------------------------------------------------------------------------


def test_the_spec_is_served_at_the_mount(api: NamespacedClient) -> None:
    served = api.get(f"{PISP}/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document["info"]["title"].startswith("UK Open Banking Variable Recurring Payments")
    ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert ids == set(OPERATIONS.values())
