#!/usr/bin/env python3
"""Soak the real server: mixed traffic of every provider at a steady rate, memory watched.

    .venv/bin/python bench/soak.py                    # 10 minutes (make soak)
    .venv/bin/python bench/soak.py --minutes 3        # shorter
    .venv/bin/python bench/soak.py --quick            # a smoke run (about 15 s)
    .venv/bin/python bench/soak.py --output soak.md   # also write the markdown section

The script starts its own server (in-memory database, one process, 127.0.0.1 only) with a
small request journal, and drives whole journeys through it, one request at a time at a fixed
rate: OBIE account access (consent, approval, token, accounts, balances, transactions), OBIE
VRP (consent, approval, funds check, payment, read), Fena account access and VRP, Moneyhub
(user, bank connection, accounts, transactions), MogoPlus (submit, report, purge) and the
admin journal. Journeys rotate over a few namespaces, and each namespace is reset after its
round, so the state the traffic creates stays bounded; the journal ring is then the only
thing allowed to grow, and it is filled during the warm-up, before the first measurement.

The server's resident set (VmRSS from /proc/<pid>/status) is read at the start, every minute
(every 4 s with --quick) and at the end. The run fails (exit status 1) if any answer was not
the expected one, or, except with --quick, if the resident set grew by more than the
journal's bound: --journal-size entries of at most two bodies of --journal-body-limit bytes
and 4 KiB of headers each.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from cdr_payload import make_payload
from harness import markdown_table, memory_mib, mockserver
from machine import environment, load_average, working_tree_state

from mockserver.client import FENA_CLIENT, sandbox_credentials

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
OB_CLIENT = sandbox_credentials("ob")
OB_REDIRECT = "http://localhost:3000/callback"
FENA_HEADERS = FENA_CLIENT
MONEYHUB_CLIENT = sandbox_credentials("moneyhub")
MONEYHUB_REDIRECT = "http://localhost:3001/callback"
IDENTITY = "/moneyhub/identity"
MONEYHUB_DATA = "/moneyhub/api/v2.0"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"
MOGOPLUS_CLIENT = sandbox_credentials("mogoplus")
INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
PSU = "alice"
CREDITOR = {
    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
    "Identification": "20000055667788",
    "Name": "Acme Energy Ltd",
}
VRP_INITIATION = {"CreditorAccount": CREDITOR, "RemittanceInformation": {"Reference": "SOAK"}}
VRP_RISK = {"PaymentContextCode": "BillingGoodsAndServicesInArrears"}
HEADER_ALLOWANCE = 4096  # bytes of headers (and JSON framing) per journal entry, for the bound
MiB = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    minutes: float = 10.0
    rate: float = 20.0  # requests per second, every request counted (admin calls too)
    warmup_seconds: float = 60.0  # at least; also until the journal ring is full
    sample_seconds: float = 60.0
    journal_size: int = 500
    journal_body_limit: int = 16_384
    namespaces: int = 4
    cdr_transactions: int = 200  # per MogoPlus submission
    quick: bool = False

    @property
    def journal_bound_bytes(self) -> int:
        return self.journal_size * (2 * self.journal_body_limit + HEADER_ALLOWANCE)


QUICK = Plan(
    minutes=8 / 60,
    rate=25.0,
    warmup_seconds=3.0,
    sample_seconds=4.0,
    journal_size=40,
    namespaces=2,
    quick=True,
)


class Unexpected(Exception):
    """An answer the traffic did not expect: counted, and the journey abandoned."""


# --- steady traffic -------------------------------------------------------------------------


@dataclass
class Traffic:
    """One keep-alive client sending at most ``rate`` requests a second; every answer checked."""

    client: httpx.Client
    rate: float
    requests: int = 0
    provider_requests: int = 0  # the journaled ones (admin calls are not journaled)
    errors: list[str] = field(default_factory=list)
    _next_at: float = field(default_factory=time.monotonic)

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> httpx.Response:
        self._pace()
        response = self.client.request(method, path, **kwargs)
        self.requests += 1
        if not path.startswith("/__admin"):
            self.provider_requests += 1
        if response.status_code != expect:
            raise Unexpected(
                f"{method} {path.split('?')[0]}: expected {expect}, got "
                f"{response.status_code} {response.text[:300]}"
            )
        return response

    def _pace(self) -> None:
        """Wait for this request's slot; a late sender never bursts to catch up."""
        now = time.monotonic()
        if self._next_at > now:
            time.sleep(self._next_at - now)
        self._next_at = max(self._next_at, now) + 1.0 / self.rate


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _approve(t: Traffic, ns: dict[str, str], url: str) -> dict[str, str]:
    answer = t.call("POST", "/__admin/authorize", 200, json={"url": url, "psu": PSU}, headers=ns)
    query = parse_qs(urlsplit(answer.json()["redirect"]).query)
    return {key: values[0] for key, values in query.items()}


def _ob_token(t: Traffic, ns: dict[str, str], form: dict[str, str]) -> str:
    answer = t.call("POST", "/ob/oauth2/token", 200, data=form, auth=OB_CLIENT, headers=ns)
    return str(answer.json()["access_token"])


def _ob_psu_token(t: Traffic, ns: dict[str, str], consent_id: str, scope: str) -> str:
    claims = {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}}
    query = {
        "client_id": OB_CLIENT[0],
        "response_type": "code",
        "scope": f"openid {scope}",
        "redirect_uri": OB_REDIRECT,
        "state": secrets.token_hex(4),
        "claims": json.dumps(claims),
    }
    code = _approve(t, ns, f"/ob/oauth2/authorize?{urlencode(query)}")["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": OB_REDIRECT}
    return _ob_token(t, ns, form)


def obie_accounts(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    tpp = _ob_token(t, ns, {"grant_type": "client_credentials", "scope": "accounts"})
    permissions = ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail"]
    permissions += ["ReadTransactionsCredits", "ReadTransactionsDebits"]
    body = {"Data": {"Permissions": permissions}, "Risk": {}}
    created = t.call(
        "POST", f"{AISP}/account-access-consents", 201, json=body, headers={**ns, **_bearer(tpp)}
    )
    psu = {**ns, **_bearer(_ob_psu_token(t, ns, created.json()["Data"]["ConsentId"], "accounts"))}
    account = t.call("GET", f"{AISP}/accounts", 200, headers=psu).json()["Data"]["Account"][0]
    t.call("GET", f"{AISP}/accounts/{account['AccountId']}/balances", 200, headers=psu)
    t.call("GET", f"{AISP}/accounts/{account['AccountId']}/transactions", 200, headers=psu)


def obie_vrp(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    tpp = _ob_token(t, ns, {"grant_type": "client_credentials", "scope": "payments"})
    controls = {
        "VRPType": ["UK.OBIE.VRPType.Other"],
        "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
        "MaximumIndividualAmount": {"Amount": "10.00", "Currency": "GBP"},
        "PeriodicLimits": [
            {"PeriodType": "Day", "PeriodAlignment": "Consent", "Amount": "1000.00",
             "Currency": "GBP"}
        ],
    }  # fmt: skip
    body = {"Data": {"ControlParameters": controls, "Initiation": VRP_INITIATION}, "Risk": VRP_RISK}
    headers = {**ns, **_bearer(tpp), "x-idempotency-key": uuid.uuid4().hex}
    created = t.call("POST", f"{PISP}/domestic-vrp-consents", 201, json=body, headers=headers)
    consent_id = created.json()["Data"]["ConsentId"]
    psu = {**ns, **_bearer(_ob_psu_token(t, ns, consent_id, "payments"))}
    amount = {"Amount": "1.50", "Currency": "GBP"}
    funds = {"Data": {"ConsentId": consent_id, "InstructedAmount": amount}}
    path = f"{PISP}/domestic-vrp-consents/{consent_id}/funds-confirmation"
    t.call("POST", path, 201, json=funds, headers=psu)
    instruction = {
        "InstructionIdentification": uuid.uuid4().hex[:20],
        "EndToEndIdentification": "SOAK",
        "RemittanceInformation": {"Reference": "SOAK"},
        "InstructedAmount": amount,
        "CreditorAccount": CREDITOR,
    }
    data = {
        "ConsentId": consent_id,
        "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
        "VRPType": "UK.OBIE.VRPType.Other",
        "Initiation": VRP_INITIATION,
        "Instruction": instruction,
    }
    headers = {**psu, "x-idempotency-key": uuid.uuid4().hex}
    paid = t.call(
        "POST", f"{PISP}/domestic-vrps", 201, json={"Data": data, "Risk": VRP_RISK}, headers=headers
    )
    t.call("GET", f"{PISP}/domestic-vrps/{paid.json()['Data']['DomesticVRPId']}", 200, headers=psu)


def fena_accounts(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    fena = {**ns, **FENA_HEADERS}
    body = {"provider": "ob-lloyds-personal", "customerConsentId": "soak"}
    result = t.call("POST", "/fena/data/access-consents", 201, json=body, headers=fena)
    consent = result.json()["result"]
    _approve(t, ns, consent["authUrl"])
    base = f"/fena/data/access-consents/{consent['consentID']}"
    accounts = t.call("GET", f"{base}/accounts", 200, headers=fena).json()["Data"]["Account"]
    account = f"{base}/accounts/{accounts[0]['AccountId']}"
    t.call("GET", f"{account}/balances", 200, headers=fena)
    t.call("GET", f"{account}/transactions", 200, headers=fena)


def fena_vrp(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    fena = {**ns, **FENA_HEADERS}
    body = {
        "provider": "ob-natwest",
        "reference": "SOAK",
        "beneficiary": {
            "identificationType": "SortCodeAccountNumber",
            "sortCode": "040004",
            "accountNumber": "11397104",
            "name": "Isaac Harper",
        },
        "maximumIndividualAmount": "10.00",
        "periodicLimits": [{"periodType": "Day", "periodAlignment": "Consent", "amount": "50.00"}],
        "vrpType": ["Sweeping"],
        "psuAuthenticationMethods": ["SCANotRequired"],
    }
    created = t.call("POST", "/fena/payment/vrp-consent", 201, json=body, headers=fena)
    _approve(t, ns, created.headers["X-Sandbox-Auth-Url"])
    payment = {
        "vrpConsentId": created.json()["result"]["vrp_consent"]["id"],
        "amount": "2.50",
        "psuAuthenticationMethod": "SCANotRequired",
    }
    paid = t.call("POST", "/fena/payment/vrp", 201, json=payment, headers=fena)
    t.call(
        "GET", f"/fena/payment/vrp/{paid.json()['result']['vrp_payment']['id']}", 200, headers=fena
    )


def _moneyhub_token(t: Traffic, ns: dict[str, str], scope: str, sub: str | None = None) -> str:
    form = {"grant_type": "client_credentials", "scope": scope, **({"sub": sub} if sub else {})}
    path = f"{IDENTITY}/oidc/token"
    answer = t.call("POST", path, 200, data=form, auth=MONEYHUB_CLIENT, headers=ns)
    return str(answer.json()["access_token"])


def moneyhub(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    creator = {**ns, **_bearer(_moneyhub_token(t, ns, "user:create"))}
    body = {"clientUserId": f"soak-{secrets.token_hex(4)}"}
    user_id = t.call("POST", f"{IDENTITY}/users", 201, json=body, headers=creator).json()["userId"]
    claims = {"id_token": {"sub": {"essential": True, "value": user_id},
                           "mh:con_id": {"essential": True}}}  # fmt: skip
    query = {
        "client_id": MONEYHUB_CLIENT[0],
        "response_type": "code",
        "scope": f"openid id:{MOCK_BANK}",
        "redirect_uri": MONEYHUB_REDIRECT,
        "state": secrets.token_hex(4),
        "nonce": secrets.token_hex(4),
        "claims": json.dumps(claims),
    }
    code = _approve(t, ns, f"{IDENTITY}/oidc/auth?{urlencode(query)}")["code"]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": MONEYHUB_REDIRECT,
        "sub": user_id,
    }
    t.call("POST", f"{IDENTITY}/oidc/token", 200, data=form, auth=MONEYHUB_CLIENT, headers=ns)
    reader = {
        **ns,
        **_bearer(_moneyhub_token(t, ns, "accounts:read transactions:read:all", user_id)),
    }
    t.call("GET", f"{MONEYHUB_DATA}/accounts", 200, headers=reader)
    t.call("GET", f"{MONEYHUB_DATA}/transactions", 200, params={"limit": 100}, headers=reader)


def mogoplus(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    form = {"grant_type": "client_credentials"}
    answer = t.call(
        "POST", "/mogoplus/api/v1/oauth2/token", 200, data=form, auth=MOGOPLUS_CLIENT, headers=ns
    )
    token = {**ns, **_bearer(answer.json()["access_token"])}
    body = make_payload(plan.cdr_transactions)
    body["meta"]["orderIds"] = [str(uuid.uuid4())]
    accepted = t.call("POST", INSIGHTS, 202, json=body, headers=token)
    report = f"{INSIGHTS}/{accepted.json()['data']['insightsId']['insightsId']}"
    t.call("GET", report, 200, headers=token)
    t.call("DELETE", report, 204, headers=token)


def admin_journal(t: Traffic, ns: dict[str, str], plan: Plan) -> None:
    t.call("GET", "/__admin/requests", 200, params={"limit": 50}, headers=ns)
    t.call("GET", "/__admin/requests", 200, params={"status": "4xx", "limit": 50}, headers=ns)


Journey = Callable[[Traffic, dict[str, str], Plan], None]
JOURNEYS: list[Journey] = [
    obie_accounts,
    obie_vrp,
    fena_accounts,
    fena_vrp,
    moneyhub,
    mogoplus,
    admin_journal,
]


def round_of_journeys(t: Traffic, namespace: str, plan: Plan) -> None:
    """Every journey once in ``namespace``, then the namespace reset (its state dropped)."""
    ns = {"X-Sandbox-Namespace": namespace}
    # A reset namespace is back to the defaults: MogoPlus reports take seconds again.
    t.call("PUT", "/__admin/mogoplus/processing", 200, json={"mode": "immediate"}, headers=ns)
    for journey in JOURNEYS:
        try:
            journey(t, ns, plan)
        except Unexpected as exc:
            t.errors.append(f"{journey.__name__}: {exc}")
    t.call("POST", "/__admin/reset", 200, params={"namespace": namespace})


# --- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the start measurement
    requests: int  # since the start measurement
    rss_mib: float


@dataclass
class Soak:
    plan: Plan
    samples: list[Sample] = field(default_factory=list)
    warmup_requests: int = 0
    warmup_seconds: float = 0.0
    peak_mib: float = 0.0
    traffic: Traffic | None = None

    @property
    def growth_mib(self) -> float:
        return self.samples[-1].rss_mib - self.samples[0].rss_mib

    @property
    def within_bound(self) -> bool:
        return self.growth_mib * MiB <= self.plan.journal_bound_bytes


@dataclass
class Rotation:
    """Rounds of journeys, each in the next namespace of the pool."""

    traffic: Traffic
    plan: Plan
    rounds: int = 0

    def next_round(self) -> None:
        round_of_journeys(self.traffic, f"soak-{self.rounds % self.plan.namespaces}", self.plan)
        self.rounds += 1


def warm_up(rotation: Rotation, soak: Soak) -> None:
    """Until the journal ring is full (and trimmed) and every namespace was used and reset."""
    traffic, plan, started = rotation.traffic, rotation.plan, time.monotonic()
    while (
        time.monotonic() - started < plan.warmup_seconds
        or traffic.provider_requests < plan.journal_size + 64
        or rotation.rounds < plan.namespaces
    ):
        rotation.next_round()
    soak.warmup_requests, soak.warmup_seconds = traffic.requests, time.monotonic() - started


def measure(rotation: Rotation, soak: Soak, pid: int) -> None:
    """Traffic for ``plan.minutes``; the resident set at the start, every sample period, the end."""
    traffic, plan = rotation.traffic, rotation.plan
    base_requests, started = traffic.requests, time.monotonic()

    def sample() -> None:
        rss, elapsed = memory_mib(pid)["VmRSS"], time.monotonic() - started
        soak.samples.append(Sample(elapsed, traffic.requests - base_requests, rss))
        print(f"  {_clock(elapsed)}  {traffic.requests - base_requests:7,} requests  "
              f"RSS {rss:7.1f} MiB", flush=True)  # fmt: skip

    sample()
    end_at, next_sample = started + plan.minutes * 60, started + plan.sample_seconds
    while time.monotonic() < end_at:
        rotation.next_round()
        if next_sample <= time.monotonic() < end_at:
            sample()
            next_sample += plan.sample_seconds
    sample()
    soak.peak_mib = memory_mib(pid)["VmHWM"]


def run(plan: Plan) -> Soak:
    args = ["--relax-jws", "true", "--journal-size", str(plan.journal_size)]
    args += ["--journal-body-limit", str(plan.journal_body_limit)]
    soak = Soak(plan)
    with mockserver(args) as server, httpx.Client(base_url=server.base, timeout=60) as client:
        soak.traffic = Traffic(client, plan.rate)
        rotation = Rotation(soak.traffic, plan)
        warm_up(rotation, soak)
        measure(rotation, soak, server.pid)
    return soak


# --- the report -----------------------------------------------------------------------------


def slope_kib_per_minute(samples: list[Sample]) -> float:
    """Least-squares slope of RSS over time: a leak shows as a steady climb."""
    if len(samples) < 2:
        return 0.0
    xs = [s.seconds / 60 for s in samples]
    ys = [s.rss_mib * 1024 for s in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


def report(soak: Soak, header: str, load_before: str) -> str:
    plan, traffic = soak.plan, soak.traffic
    assert traffic is not None
    start = soak.samples[0]
    rows = [
        [
            _clock(s.seconds),
            f"{s.requests:,}",
            f"{s.requests / s.seconds:.1f}" if s is not start else "-",
            f"{s.rss_mib:.1f}",
            f"{s.rss_mib - start.rss_mib:+.1f}",
        ]
        for s in soak.samples
    ]
    header_row = ["time (m:ss)", "requests since start", "mean req/s", "RSS MiB", "growth MiB"]
    table = markdown_table(header_row, rows)
    bound_mib = plan.journal_bound_bytes / MiB
    verdict = "within" if soak.within_bound else "**beyond**"
    lines = [
        f"### Soak: {header}",
        "",
        f"In-memory database, one process, `--journal-size {plan.journal_size}` "
        f"`--journal-body-limit {plan.journal_body_limit}` `--relax-jws true`; one client, "
        f"at most {plan.rate:g} req/s (the mean req/s column is what it reached: each request "
        f"waits for the one before), over {plan.namespaces} namespaces (each reset after its "
        f"round of {len(JOURNEYS)} journeys). Warm-up: {soak.warmup_requests:,} requests in "
        f"{soak.warmup_seconds:.0f} s (the journal ring full) before the start measurement.",
        "",
        table,
        "",
        f"Growth from start to end: {soak.growth_mib:+.1f} MiB, {verdict} the journal's bound of "
        f"{bound_mib:.1f} MiB ({plan.journal_size} entries x (2 x {plan.journal_body_limit} B "
        f"bodies + {HEADER_ALLOWANCE} B)); trend {slope_kib_per_minute(soak.samples):+.0f} "
        f"KiB/min (least squares over the samples); peak RSS (VmHWM) {soak.peak_mib:.1f} MiB.",
        f"Unexpected answers: {len(traffic.errors)}"
        + (f" (first: {traffic.errors[0]})" if traffic.errors else "")
        + f". Load average (1/5/15 min) {load_before} before, {load_average()} after.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--minutes", type=float, help="measured minutes after the warm-up")
    parser.add_argument("--quick", action="store_true", help="a smoke run (about 15 s)")
    parser.add_argument("--rate", type=float, help="requests per second")
    parser.add_argument("--journal-size", type=int, help="the server's journal ring")
    parser.add_argument("--output", type=Path, help="also write the markdown section here")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    overrides = {"minutes": args.minutes, "rate": args.rate, "journal_size": args.journal_size}
    plan = replace(plan, **{k: v for k, v in overrides.items() if v is not None})
    length = _clock(plan.minutes * 60) + (" (quick)" if plan.quick else "")
    header = f"{environment()} ({working_tree_state()}), {length} measured"
    load_before = load_average()
    print(f"soak: {length} at up to {plan.rate:g} req/s after the warm-up", flush=True)
    soak = run(plan)
    section = report(soak, header, load_before)
    print(section)
    if args.output:
        args.output.write_text(section + "\n")
    traffic = soak.traffic
    failed = bool(traffic and traffic.errors) or (not plan.quick and not soak.within_bound)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
