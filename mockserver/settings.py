"""The server's configuration: one frozen object, read from CLI flags and MOCKSERVER_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mockserver.core.paths import bundled_dir
from mockserver.core.request_log import LOG_FORMATS

IN_MEMORY_DB = "sqlite://"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = 42
    db: str = IN_MEMORY_DB
    workers: int = 1
    fixtures: Path = field(default_factory=lambda: bundled_dir("fixtures"))
    admin_token: str | None = None
    # Initial sandbox time of every namespace, frozen; None follows the real clock.
    clock: datetime | None = None
    journal_size: int = 10_000
    journal_body_limit: int = 16_384
    cors_origins: tuple[str, ...] = ("*",)
    response_validation: bool = False
    # OBIE x-jws-signature: verified against the client's JWKS unless relaxed (then not needed).
    relax_jws: bool = False
    log_level: str = "warning"
    # One line per request (at log level info): "text" or "json" (then every log line is JSON).
    log_format: str = "text"
    # Webhook delivery: real seconds (network I/O), not the sandbox clock.
    webhook_timeout: float = 5.0
    webhook_max_attempts: int = 6
    webhook_backoff_base: float = 1.0
    webhook_backoff_cap: float = 60.0
    webhook_poll_interval: float = 1.0
    # Demo mode: once up, play the demo story (mockserver.demo) into the default namespace.
    demo: bool = False

    @property
    def is_memory_db(self) -> bool:
        return self.db in ("", IN_MEMORY_DB, "sqlite:///:memory:", ":memory:")


def _parse_bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _parse_clock(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"clock needs a UTC offset: {text!r}")
    return value


def _parse_choice(text: str) -> str:
    return text.strip().lower()


def _parse_origins(text: str) -> tuple[str, ...]:
    return tuple(o.strip() for o in text.split(",") if o.strip())


# name -> parser of its text form (the CLI and the environment share them)
PARSERS: dict[str, Any] = {
    "host": str,
    "port": int,
    "seed": int,
    "db": str,
    "workers": int,
    "fixtures": Path,
    "admin_token": str,
    "clock": _parse_clock,
    "journal_size": int,
    "journal_body_limit": int,
    "cors_origins": _parse_origins,
    "response_validation": _parse_bool,
    "relax_jws": _parse_bool,
    "log_level": str,
    "log_format": _parse_choice,
    "webhook_timeout": float,
    "webhook_max_attempts": int,
    "webhook_backoff_base": float,
    "webhook_backoff_cap": float,
    "webhook_poll_interval": float,
    "demo": _parse_bool,
}


def env_name(name: str) -> str:
    return f"MOCKSERVER_{name.upper()}"


def from_environment(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from MOCKSERVER_* variables; explicit ``overrides`` (CLI flags) win."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, parse in PARSERS.items():
        text = environ.get(env_name(name))
        if text not in (None, ""):
            values[name] = parse(text)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)
    validate(settings)
    return settings


def to_environment(settings: Settings) -> dict[str, str]:
    """The MOCKSERVER_* variables that reproduce ``settings`` (for worker processes)."""
    out: dict[str, str] = {}
    for name in PARSERS:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, tuple):
            text = ",".join(value)
        elif isinstance(value, datetime):
            text = value.isoformat()
        else:
            text = str(value)
        out[env_name(name)] = text
    return out


def validate(settings: Settings) -> None:
    if settings.workers < 1:
        raise ValueError("--workers must be at least 1")
    if settings.workers > 1 and settings.is_memory_db:
        raise ValueError(
            "--workers > 1 needs a shared database: pass --db with a SQLite file or a "
            "postgresql:// URL (an in-memory database lives inside one process)"
        )
    if settings.log_format not in LOG_FORMATS:
        raise ValueError(f"--log-format must be one of {', '.join(LOG_FORMATS)}")
    if settings.journal_size < 1:
        raise ValueError("journal size must be at least 1")
    if settings.webhook_timeout <= 0 or settings.webhook_poll_interval <= 0:
        raise ValueError("--webhook-timeout and --webhook-poll-interval must be positive")
    if settings.webhook_max_attempts < 1:
        raise ValueError("--webhook-max-attempts must be at least 1")
    if not 0 <= settings.webhook_backoff_base <= settings.webhook_backoff_cap:
        raise ValueError("--webhook-backoff-base must be between 0 and --webhook-backoff-cap")
