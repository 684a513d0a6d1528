"""``mockserver serve``: run the sandbox under uvicorn. ``python -m mockserver`` is the same."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from mockserver import __version__
from mockserver.core.request_log import logging_config
from mockserver.settings import PARSERS, env_name, from_environment, to_environment

_HELP = {
    "host": "interface to bind (0.0.0.0 in a container)",
    "port": "TCP port",
    "seed": "seed for every generated id and fake value; same seed, same data",
    "db": "database URL: omitted = in-memory SQLite; a file path or sqlite:///path; "
    "postgresql://user:pass@host/db. A file or PostgreSQL keeps state across restarts and "
    "lets workers and replicas share it",
    "workers": "worker processes (more than 1 needs --db with a file or PostgreSQL)",
    "fixtures": "folder of seed fixtures (clients, PSUs) to use instead of the bundled ones",
    "admin_token": "require 'Authorization: Bearer TOKEN' on every /__admin route "
    "(except GET /__admin/health); off by default",
    "clock": "start every namespace's clock frozen at this ISO 8601 instant, "
    "e.g. 2026-01-31T09:00:00Z (default: real time)",
    "journal_size": "request journal entries kept (a ring)",
    "journal_body_limit": "bytes of each request and response body kept in the journal",
    "cors_origins": "comma-separated origins allowed by CORS on provider APIs ('*' = any; "
    "empty = CORS off)",
    "response_validation": "validate every response against the specs (true/false; slower)",
    "relax_jws": "accept OBIE requests without a valid x-jws-signature (true/false); by default "
    "it is verified against the client's registered JWKS",
    "log_level": "uvicorn log level: critical, error, warning, info, debug",
    "log_format": "text or json: the format of the log, one line per request (at log level info: "
    "namespace, provider, operationId, method, path, status, latency, interaction id; admin calls "
    "too at debug); json makes every log line one JSON object",
    "webhook_timeout": "seconds a webhook receiver has to answer one delivery attempt",
    "webhook_max_attempts": "delivery attempts of a webhook before it is marked failed",
    "webhook_backoff_base": "seconds before the first webhook retry; each retry waits twice "
    "as long as the one before",
    "webhook_backoff_cap": "the longest wait between two webhook attempts, in seconds",
    "webhook_poll_interval": "seconds between a worker's looks for webhook deliveries queued by "
    "other processes (those of its own process wake it at once)",
    "demo": "demo mode (true/false): once up, fill the default namespace with a story to show "
    "on the dashboard: consents in every state, payments, a Moneyhub connection, MogoPlus "
    "reports (skipped when the namespace already has records)",
}
_DEFAULTS = {
    "host": "127.0.0.1",
    "port": "8000",
    "seed": "42",
    "db": "in-memory",
    "workers": "1",
    "fixtures": "bundled",
    "admin_token": "off",
    "clock": "real time",
    "journal_size": "10000",
    "journal_body_limit": "16384",
    "cors_origins": "*",
    "response_validation": "false",
    "relax_jws": "false",
    "log_level": "warning",
    "log_format": "text",
    "webhook_timeout": "5",
    "webhook_max_attempts": "6",
    "webhook_backoff_base": "1",
    "webhook_backoff_cap": "60",
    "webhook_poll_interval": "1",
    "demo": "false",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Offline sandbox of the UK Open Banking v3.1, Fena, Moneyhub and MogoPlus "
        "APIs.",
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser(
        "serve",
        help="start the server (the default command)",
        description="Start the sandbox server. Every flag can also be set with the "
        "environment variable shown; a flag wins over its variable.",
    )
    for name, parse in PARSERS.items():
        flag = "--" + name.replace("_", "-")
        serve.add_argument(
            flag,
            dest=name,
            type=parse,
            default=None,
            metavar=name.upper(),
            help=f"{_HELP[name]} [env {env_name(name)}; default {_DEFAULTS[name]}]",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0].startswith("-") and args[0] not in ("-h", "--help", "--version")):
        args = ["serve", *args]
    parsed = build_parser().parse_args(args)
    overrides = {k: v for k, v in vars(parsed).items() if k != "command"}
    try:
        settings = from_environment(**overrides)
    except ValueError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return 2
    # Workers are separate processes: hand them the settings through the environment.
    os.environ.update(to_environment(settings))
    if settings.admin_token is None:
        os.environ.pop(env_name("admin_token"), None)
    if settings.demo:
        # A client of the server from this process, so it runs once whatever --workers says.
        from mockserver.demo import play_when_ready  # only demo mode needs its imports

        play_when_ready(settings.host, settings.port, settings.admin_token)
    uvicorn.run(
        "mockserver.asgi:create",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        log_config=logging_config(settings.log_format, settings.log_level),
        access_log=False,  # the request log (mockserver.core.request_log) says more
        server_header=False,
        date_header=False,  # responses are byte-for-byte reproducible
        proxy_headers=True,
        forwarded_allow_ips="*",
        timeout_graceful_shutdown=5,
    )
    return 0
