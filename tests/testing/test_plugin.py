"""The plugin as a user meets it: test files of theirs, run by pytest with the plugin loaded
from its entry point (no conftest, no ``-p``), in a fresh process or in this one."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

import httpcore  # noqa: F401  see below
import pytest

from mockserver.settings import PARSERS, env_name
from mockserver.testing import SandboxNamespace, SandboxServer

pytest_plugins = ["pytester"]
# httpx imports httpcore on first use and maps its exceptions from then on. Imported here,
# before pytester snapshots sys.modules around each in-process run, so that a run's first
# request does not load an httpcore that pytester then discards (httpx would stop mapping it).

# The user's config: warnings are errors, as in this repo and in many others.
STRICT_INI = "[pytest]\nfilterwarnings = error\n"

# The five lines of the README: the server starts, a token, the admin API.
FIVE_LINES = """
def test_token(sandbox, mockserver):
    assert mockserver.admin.get("/__admin/health").json()["status"] == "ok"
    auth, form = ("ob-sandbox-client", "ob-sandbox-secret"), {"grant_type": "client_credentials"}
    token = sandbox.client.post("/ob/oauth2/token", auth=auth, data=form)
    assert token.json()["token_type"] == "Bearer"
"""

# Each test registers an OBIE client in its namespace and must see it alone. Under xdist the
# tests run at the same time; with --mockserver-url, against one server.
ISOLATION = """
import pytest

def ob_clients(space):
    listed = space.admin.get("/__admin/clients", params={"provider": "ob"})
    return {c["client_id"] for c in listed.json()} - {"ob-sandbox-client"}

def register(space, client_id):
    body = {"provider": "ob", "client_id": client_id, "redirect_uris": ["http://localhost/cb"]}
    assert space.admin.post("/__admin/clients", json=body).status_code == 201

@pytest.mark.parametrize("n", range(6))
def test_own_namespace(sandbox, n):
    assert ob_clients(sandbox) == set()
    register(sandbox, f"client-{n}")
    assert ob_clients(sandbox) == {f"client-{n}"}

def test_two_namespaces(mockserver):
    a, b = mockserver.namespace(), mockserver.namespace()
    register(a, "only-in-a")
    assert ob_clients(a) == {"only-in-a"} and ob_clients(b) == set()
    a.reset()
    assert ob_clients(a) == set()
    a.close(), b.close()  # (or: with mockserver.namespace() as a: ...)
"""

# In order, in one process: what a test changes in its namespace is gone after it.
RESET_AFTER_TEST = """
seen = {}

def test_first(sandbox):
    seen["namespace"] = sandbox.namespace
    sandbox.clock.set("2030-01-01T00:00:00Z", frozen=True)
    sandbox.fault(path="/fena/*", status=503)

def test_second(mockserver):
    headers = {"X-Sandbox-Namespace": seen["namespace"]}
    assert mockserver.admin.get("/__admin/faults", headers=headers).json() == []
    clock = mockserver.admin.get("/__admin/clock", headers=headers).json()
    assert not clock["now"].startswith("2030")
"""


def consent_id(space: SandboxNamespace) -> str:
    """The id of a new OBIE account access consent in ``space``: drawn from the seed."""
    auth = ("ob-sandbox-client", "ob-sandbox-secret")
    form = {"grant_type": "client_credentials", "scope": "accounts"}
    token = space.client.post("/ob/oauth2/token", auth=auth, data=form).json()["access_token"]
    consent = space.client.post(
        "/ob/open-banking/v3.1/aisp/account-access-consents",
        headers={"Authorization": f"Bearer {token}"},
        json={"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {}},
    )
    return str(consent.json()["Data"]["ConsentId"])


# Writes the consent id the server's seed gives the namespace "seed-probe" to the file "id".
SEED_PROBE = (
    inspect.getsource(consent_id).replace("space: SandboxNamespace", "space")
    + """

def test_record_an_id(mockserver):
    with mockserver.namespace("seed-probe") as space, open("id", "w") as out:
        out.write(consent_id(space))
"""
)


@pytest.fixture(autouse=True)
def no_server_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs start from the server's defaults, whatever this shell exports."""
    for name in PARSERS:
        monkeypatch.delenv(env_name(name), raising=False)


def test_registered_as_a_pytest11_entry_point() -> None:
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("mockserver") == "mockserver.testing"


def test_a_users_suite_in_a_fresh_process(
    pytester: pytest.Pytester, mockserver: SandboxServer
) -> None:
    pytester.makeini(STRICT_INI + "mockserver_seed = 7\n")
    pytester.makepyfile(
        test_user=FIVE_LINES,
        test_isolation=ISOLATION,
        test_reset=RESET_AFTER_TEST,
        test_seed=SEED_PROBE,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=11)
    # Ids come from the seed: the same namespace has other ids here, under the default seed.
    seed_7 = (pytester.path / "id").read_text()
    assert seed_7.startswith("aac-")
    with mockserver.namespace("seed-probe") as space:
        assert seed_7 != consent_id(space)


def test_parallel_workers_each_start_a_server(pytester: pytest.Pytester) -> None:
    """Under xdist, each worker its own server; here with an admin token, which the fixtures'
    admin clients send and nothing else does."""
    pytester.makeini(STRICT_INI)
    pytester.makepyfile(
        test_user=FIVE_LINES,
        test_isolation=ISOLATION,
        test_token="""
        def test_admin_token(sandbox):
            assert sandbox.client.get("/__admin/faults").status_code == 401
            assert sandbox.admin.get("/__admin/faults").status_code == 200
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "xdist", "-n", "2", "--mockserver-admin-token=s3cret"
    )
    result.assert_outcomes(passed=9)


def test_parallel_workers_share_a_running_server(
    pytester: pytest.Pytester, mockserver: SandboxServer
) -> None:
    pytester.makeini(STRICT_INI)
    pytester.makepyfile(
        test_isolation=ISOLATION,
        test_url=f"""
        def test_uses_the_given_server(mockserver):
            assert mockserver.base_url == "{mockserver.base_url}"
        """,
    )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", f"--mockserver-url={mockserver.base_url}/"
    )
    result.assert_outcomes(passed=8)


def test_costs_nothing_until_a_fixture_is_used(pytester: pytest.Pytester) -> None:
    pytester.makeini(STRICT_INI)
    pytester.makepyfile(
        """
        import sys

        def test_nothing_started():
            assert "mockserver.testing" in sys.modules  # loaded from the entry point
            assert not {"connexion", "uvicorn", "httpx", "mockserver.app"} & set(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_options_are_listed_in_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        [
            "*--mockserver-seed*",
            "*--mockserver-url*",
            "*--mockserver-admin-token*",
            "*mockserver_seed*",
            "*mockserver_url*",
        ]
    )


def test_a_server_that_is_not_there_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(sandbox):\n    pass\n")
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--mockserver-url=http://127.0.0.1:9"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no sandbox answers at http://127.0.0.1:9/__admin/health*"])


def test_a_bad_seed_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(sandbox):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--mockserver-seed=many")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mockserver.testing: bad configuration*"])
