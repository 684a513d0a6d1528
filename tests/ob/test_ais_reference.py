"""Every AIS endpoint answers, for a consent with every permission, with a body that the official
v3.1.11 reference spec accepts (our own spec checks it too: response validation is on).

The check is the shared reference validator of ``tests/support/reference_validation.py``,
which also watches every other response of the suite; its own behaviour is tested at the end
of this module: what it flags, what it skips, and that a test that saw a bad response fails.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

import httpx
import pytest

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import bearer, psu_accounts
from tests.ob.test_ais_journey import AISP, authorised_token
from tests.support.live import ROOT
from tests.support.reference_validation import (
    MONEYHUB_DATA,
    OBIE_AIS,
    OBIE_VRP,
    SKIP_ADMIN,
    SKIP_FAULTED,
    SKIP_SANDBOX_ONLY,
    SKIP_UNKNOWN_PATH,
    SKIP_UNREFERENCED,
    Exchange,
    Observer,
    References,
    Seen,
    shared_references,
    validated_operation,
)

EVERYTHING = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadBeneficiariesDetail",
    "ReadDirectDebits",
    "ReadOffers",
    "ReadPAN",
    "ReadParty",
    "ReadPartyPSU",
    "ReadProducts",
    "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersDetail",
    "ReadStatementsDetail",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]
pytest_plugins = ["pytester"]

JSON = {"content-type": "application/json; charset=utf-8", "x-fapi-interaction-id": "i-1"}


def reference_gets() -> list[str]:
    """The path templates of every GET of the reference but the consent's."""
    if not OBIE_AIS.path.is_file():
        pytest.skip(f"the OBIE reference spec is not available at {OBIE_AIS.path}")
    operations = shared_references().get(OBIE_AIS).operations
    return [t for m, t in operations if m == "get" and not t.startswith("/account-access")]


@pytest.mark.parametrize("psu", ["alice", "carol", "dave"])
def test_every_endpoint_answers_what_the_reference_accepts(api: NamespacedClient, psu: str) -> None:
    templates = reference_gets()
    token, _ = authorised_token(api, EVERYTHING, psu=psu)
    account = psu_accounts(api, psu)[0]
    statements = api.get(f"{AISP}/accounts/{account}/statements", headers=bearer(token)).json()
    statement = statements["Data"]["Statement"][0]["StatementId"]
    checked = set()
    for template in templates:
        url = AISP + template.replace("{AccountId}", account).replace("{StatementId}", statement)
        response = api.get(url, headers=bearer(token))
        assert response.status_code == 200, f"{template}: {response.text}"
        checked.add(validated_operation(response))
    # every GET but the consent's: 25 JSON bodies and the statement file
    assert checked == {f"GET {t}" for t in templates} and len(checked) == 26
    pdf = api.get(f"{AISP}/accounts/{account}/statements/{statement}/file", headers=bearer(token))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"


def test_lists_have_data_for_a_rich_psu(api: NamespacedClient) -> None:
    token, _ = authorised_token(api, EVERYTHING, psu="alice")
    for path, key in [
        ("direct-debits", "DirectDebit"),
        ("standing-orders", "StandingOrder"),
        ("scheduled-payments", "ScheduledPayment"),
        ("beneficiaries", "Beneficiary"),
        ("products", "Product"),
        ("statements", "Statement"),
        ("transactions", "Transaction"),
    ]:
        body = api.get(f"{AISP}/{path}", headers=bearer(token)).json()
        assert body["Data"][key], path
    party = api.get(f"{AISP}/party", headers=bearer(token)).json()["Data"]["Party"]
    assert party["Name"]


# -- the reference validator itself ----------------------------------------------------------


@pytest.fixture(scope="module")
def references() -> References:
    missing = [s.path for s in (OBIE_AIS, OBIE_VRP, MONEYHUB_DATA) if not s.path.is_file()]
    if missing:
        pytest.skip(f"reference specs not available: {missing}")
    return shared_references()


def problems(references: References, method: str, path: str, status: int, **kw: Any) -> Any:
    verdict = references.judge(
        Seen(method, path, status, kw.get("headers", JSON), kw.get("body", b""))
    )
    return verdict.reason or list(verdict.problems)


def test_the_validator_flags_what_breaks_the_reference(references: References) -> None:
    accounts = f"{OBIE_AIS.mount}/accounts"
    wrong_type = b'{"Data": {"Account": [{"AccountId": 5}]}, "Links": {"Self": "x"}, "Meta": {}}'
    assert problems(references, "get", accounts, 200, body=wrong_type) == [
        "Data/Account/0/AccountId: 5 is not of type 'string'",
        "Links/Self: 'x' is not a 'uri'",
    ]
    assert problems(references, "get", accounts, 404) == [
        "status 404 is not documented (documented: 200, 400, 401, 403, 405, 406, 429, 500)"
    ]
    assert problems(references, "get", accounts, 401, body=b"{}") == [
        "the reference declares no body, got 2 bytes"
    ]
    assert problems(references, "get", accounts, 401, headers={}) == [
        "the required header x-fapi-interaction-id is missing"
    ]
    html = {**JSON, "content-type": "text/html"}
    assert problems(references, "get", accounts, 400, headers=html, body=b"<p>") == [
        "content type text/html is not one of application/jose+jwe, application/json"
    ]
    # a method the path lacks is a 405, as its operations document it
    assert problems(references, "put", accounts, 405) == []
    assert problems(references, "put", accounts, 404) == [
        "status 404 where the path has no such method (405)"
    ]
    error = b'{"code": "NotFound", "message": "no such goal"}'
    goals = f"{MONEYHUB_DATA.mount}/spending-goals"
    json = {"content-type": "application/json"}
    # QUIRK_MONEYHUB_ERROR_STATUSES: a 401 the swagger omits, in its Error shape
    assert problems(references, "get", goals, 401, headers=json, body=error) == []
    assert problems(references, "get", goals, 401, headers=json, body=b'{"code": 1}') == [
        "code: 1 is not of type 'string'"
    ]
    assert problems(references, "get", goals, 500, headers=json, body=error) == [
        "status 500 is not documented (documented: 200, 400, 401, 403, 406, 415, 429)"
    ]
    # 404 only where the path names a resource, as our spec declares it
    assert problems(references, "get", f"{goals}/g-1", 404, headers=json, body=error) == []
    assert problems(references, "get", goals, 404, headers=json, body=error) == [
        "status 404 is not documented (documented: 200, 400, 401, 403, 406, 415, 429)"
    ]
    # QUIRK_MONEYHUB_SPENDING_ITEMS: the items' required keys are checked
    analysis = b'{"data": {"categories": [{"x": 1}], "total": {}}}'
    path = f"{MONEYHUB_DATA.mount}/spending-analysis"
    assert problems(references, "post", path, 200, headers=json, body=analysis) == [
        "data/categories/0: 'categoryId' is a required property",
        "data/categories/0: 'categoryGroup' is a required property",
    ]


def test_the_validator_skips_what_the_reference_does_not_cover(references: References) -> None:
    assert problems(references, "get", "/__admin/health", 200) == SKIP_ADMIN
    assert problems(references, "get", "/fena/providers", 200) == SKIP_UNREFERENCED
    assert problems(references, "get", "/ob/oauth2/jwks", 200) == SKIP_UNREFERENCED
    assert problems(references, "get", f"{OBIE_VRP.mount}/openapi.json", 200) == (SKIP_SANDBOX_ONLY)
    assert problems(references, "get", f"{OBIE_AIS.mount}/nope", 404) == SKIP_UNKNOWN_PATH
    # the most literal template wins: /accounts/syncs is not /accounts/{accountId}
    syncs = references.judge(Seen("get", f"{MONEYHUB_DATA.mount}/accounts/syncs", 403, {}, b""))
    assert syncs.operation == "GET /accounts/syncs"


def test_answers_of_the_tests_fault_rules_are_skipped(references: References) -> None:
    """A response in a namespace with an answering fault rule that matches it is skipped; a
    delay-only rule, another namespace, a removed rule or a reset namespace are not."""
    observer = Observer(references)
    accounts = f"{OBIE_AIS.mount}/accounts"

    def respond(
        method: str, path: str, status: int, body: bytes = b"", ns: str | None = "a"
    ) -> None:
        headers = {"X-Sandbox-Namespace": ns} if ns else {}
        request = httpx.Request(method, f"http://sb{path}", headers=headers)
        response = httpx.Response(status, content=body, request=request)
        observer.observe(lambda: [Exchange.of_httpx(response)])

    def outcome() -> tuple[int, int]:
        """(responses skipped as faulted, responses that broke the reference) so far"""
        return observer.tally.skipped[SKIP_FAULTED], observer.tally.violations

    respond("POST", "/__admin/faults", 201, b'{"id": "r1", "delay_ms": 50}')
    respond("GET", accounts, 503)
    assert outcome() == (0, 1)  # served as usual: validated (and a 503 is not documented)
    respond("POST", "/__admin/faults", 201, b'{"id": "r2", "path": "/ob/*", "status": 503}')
    respond("GET", accounts, 503)
    respond("GET", f"{MONEYHUB_DATA.mount}/accounts", 503)
    respond("GET", accounts, 503, ns="b")
    assert outcome() == (1, 3)
    respond("DELETE", "/__admin/faults/r2", 204)
    respond("GET", accounts, 503)
    assert outcome() == (1, 4)
    respond("POST", "/__admin/faults", 201, b'{"id": "r3", "provider": "ob", "status": 500}')
    respond("POST", "/__admin/faults", 201, b'{"id": "r4", "method": "POST", "status": 500}', "b")
    respond("GET", accounts, 500)
    respond("POST", f"{OBIE_AIS.mount}/account-access-consents", 500, ns="b")
    respond("GET", accounts, 503, ns="b")
    assert outcome() == (3, 5)
    respond("POST", "/__admin/reset?namespace=a", 200)
    respond("GET", accounts, 503)
    respond("POST", f"{OBIE_AIS.mount}/account-access-consents", 500, ns="b")
    assert outcome() == (4, 6)
    respond("POST", "/__admin/reset", 200, ns=None)  # no namespace named: all of them
    respond("POST", f"{OBIE_AIS.mount}/account-access-consents", 500, ns="b")
    assert outcome() == (4, 7)
    assert observer.tally.skipped[SKIP_ADMIN] == 7


def test_a_test_that_sees_a_bad_response_fails_and_the_run_says_what_was_validated(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not OBIE_AIS.path.is_file():
        pytest.skip(f"the OBIE reference spec is not available at {OBIE_AIS.path}")
    pytester.makepyfile(
        test_inner=textwrap.dedent(
            f"""
            import httpx

            def answer(request):
                headers = {{"x-fapi-interaction-id": "i"}}
                if request.url.path.endswith("/accounts"):
                    return httpx.Response(200, json={{"Data": 1}}, headers=headers)
                return httpx.Response(401, headers=headers)

            def client():
                return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://sb")

            def test_sees_a_bad_body():
                assert client().get("{OBIE_AIS.mount}/accounts").status_code == 200

            def test_sees_a_good_answer_streamed():
                with client().stream("GET", "{OBIE_AIS.mount}/balances") as response:
                    assert response.status_code == 401 and response.read() == b""
            """
        )
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    result = pytester.runpytest_subprocess(
        "-p", "tests.support.reference_validation", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*responses that break the reference:*",
            "GET /ob/open-banking/v3.1/aisp/accounts breaks the OBIE AIS v3.1.11 reference*",
            "*Data: 1 is not of type 'object'*",
            "OBIE AIS v3.1.11 (/ob/open-banking/v3.1/aisp): 2 responses validated, 2 of its "
            "29 operations covered; by status: 200 x1, 401 x1",
            "responses that broke the reference: 1",
        ]
    )
