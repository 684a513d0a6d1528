"""A throwaway PostgreSQL server for the tests, with no manual step.

``start()`` gives a server in this order of preference:

1. ``MOCKSERVER_TEST_PG_URL`` when it is set, used as is (nothing is started or stopped);
2. a fresh cluster in a temporary directory (in /dev/shm when it has room), made with the
   PostgreSQL server binaries found on this machine (``MOCKSERVER_TEST_PG_BINDIR``,
   ``pg_config --bindir``, the usual install directories, or ``initdb`` on ``PATH``). It listens
   on 127.0.0.1 only, on a free port, trusts every local connection, keeps its unix sockets in
   the temporary directory and trades durability for speed (``fsync=off``). As root it runs as
   the ``postgres`` system user, since ``initdb`` refuses to run as root;
3. nothing: ``start()`` returns None and ``reason`` says why.

``session_server()`` starts one server per process (so one per pytest session, and one per
xdist worker) and stops it at exit; ``PgServer.create_database()`` gives each test a fresh, empty
database. The pytest fixtures built on these live in ``tests.support.pg_fixture``.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import itertools
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

if TYPE_CHECKING:
    import psycopg

ENV_URL = "MOCKSERVER_TEST_PG_URL"
ENV_BINDIR = "MOCKSERVER_TEST_PG_BINDIR"
SYSTEM_USER = "postgres"  # who runs the server when we are root
SUPERUSER = "postgres"  # the cluster's bootstrap superuser
SESSION_DATABASE = "mockserver_test"
START_TIMEOUT = 30  # seconds; a start normally takes one or two
_SHM_MIN_FREE = 512 * 1024 * 1024  # a cluster is ~40 MB, each test database ~8 MB until dropped

# Where distributions put the server binaries (Debian/Ubuntu, RHEL, Homebrew, Postgres.app).
_BINDIR_GLOBS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
)
# Client settings from the caller's environment must not steer initdb/pg_ctl elsewhere.
_PG_ENV = re.compile(r"^PG[A-Z_]+$")

reason = ""  # why the last start() returned None


class PgUnavailableError(Exception):
    """No PostgreSQL server can be had; the message says why."""


@dataclass
class PgServer:
    """A PostgreSQL server for the tests: ``url`` names a database on it."""

    url: str
    startup_seconds: float = 0.0
    owned: bool = False  # True when we started it (and so stop it)
    base_dir: Path | None = None
    _pg_ctl: list[str] = field(default_factory=list, repr=False)
    _data_dir: Path | None = field(default=None, repr=False)
    _stopped: bool = field(default=False, repr=False)
    _names: itertools.count[int] = field(default_factory=itertools.count, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- databases ------------------------------------------------------------------------------
    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database on this server; returns its URL (same form as ``url``).

        On a server where the given role may not create databases, a fresh schema set as the
        ``search_path`` of the returned URL stands in for the database.
        """
        from psycopg import Error, errors, sql

        name = f"{prefix}_{os.getpid()}_{next(self._names)}_{uuid.uuid4().hex[:8]}".lower()
        with _admin_connect(self.url) as conn:
            # FILE_COPY (PostgreSQL 15+) is ten times faster than the default WAL_LOG here.
            strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
            create = sql.SQL("CREATE DATABASE {}" + strategy).format(sql.Identifier(name))
            try:
                conn.execute(create)
            except errors.InsufficientPrivilege:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
                return _with_search_path(self.url, name)
            except Error as exc:  # pragma: no cover - shown to whoever runs the tests
                raise PgUnavailableError(
                    f"CREATE DATABASE failed on {redact(self.url)}: {exc}"
                ) from exc
        return _with_database(self.url, name)

    def drop_database(self, url: str) -> None:
        """Drop a database (or stand-in schema) made by ``create_database``; best effort."""
        import psycopg
        from psycopg import sql

        parts = urlsplit(url)
        schema = re.search(r"search_path%3D([a-z0-9_]+)", parts.query)
        with contextlib.suppress(psycopg.Error), _admin_connect(self.url) as conn:
            if schema:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(schema.group(1))
                    )
                )
            else:
                name = parts.path.lstrip("/")
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    # -- lifecycle ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the server (immediate shutdown) and remove its directory; idempotent."""
        with self._lock:
            if self._stopped or not self.owned:
                self._stopped = True
                return
            self._stopped = True
        assert self._data_dir is not None and self.base_dir is not None
        result = _run(
            [*self._pg_ctl, "-D", str(self._data_dir), "-m", "immediate", "-w", "stop"],
            check=False,
        )
        if result.returncode != 0:
            _kill_postmaster(self._data_dir)
        shutil.rmtree(self.base_dir, ignore_errors=True)


# -- public entry points -------------------------------------------------------------------------
def start() -> PgServer | None:
    """A server for the tests, or None (see ``reason``)."""
    global reason
    try:
        server = launch()
    except PgUnavailableError as exc:
        reason = str(exc)
        return None
    reason = ""
    return server


def launch() -> PgServer:
    """Like ``start()``, but raises ``PgUnavailableError`` with the reason."""
    if importlib.util.find_spec("psycopg") is None:
        raise PgUnavailableError("no PostgreSQL: psycopg is not installed (pip install psycopg)")
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        _check_reachable(url)
        return PgServer(url=url, owned=False)
    bindir = find_bindir()
    if bindir is None:
        raise PgUnavailableError(
            f"no PostgreSQL: {ENV_URL} is not set and no PostgreSQL server binaries "
            "(initdb, pg_ctl) were found via pg_config, /usr/lib/postgresql/*/bin or PATH"
        )
    return _start_cluster(bindir)


_session_lock = threading.Lock()
_session: tuple[PgServer | None, str] | None = None


def session_server() -> tuple[PgServer | None, str]:
    """The one server of this process (started on first use, stopped at exit) or its reason."""
    global _session
    with _session_lock:
        if _session is None:
            server = start()
            _session = (server, reason)
        return _session


# -- finding the binaries ------------------------------------------------------------------------
def find_bindir() -> Path | None:
    """A directory holding initdb, pg_ctl and postgres, or None."""
    candidates: list[Path] = []
    if os.environ.get(ENV_BINDIR):
        candidates.append(Path(os.environ[ENV_BINDIR]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    for pattern in _BINDIR_GLOBS:
        installed = sorted(Path("/").glob(pattern.lstrip("/")), key=_version_key, reverse=True)
        candidates.extend(installed)
    for tool in ("initdb", "pg_ctl"):
        found = shutil.which(tool)
        if found:
            candidates.append(Path(found).resolve().parent)
    for candidate in candidates:
        if all(os.access(candidate / tool, os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(path)))


# -- starting a cluster --------------------------------------------------------------------------
def _start_cluster(bindir: Path) -> PgServer:
    started = time.monotonic()
    as_user = _system_user_prefix()
    base = Path(tempfile.mkdtemp(prefix="mockserver-pg-", dir=_temp_root(as_user is not None)))
    try:
        if as_user is not None:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        base.chmod(0o700)
        data = base / "data"
        log = base / "server.log"
        prefix = as_user or []
        initdb = [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
        result = _run(initdb, cwd=base, check=False)
        if result.returncode != 0:
            raise PgUnavailableError(f"initdb failed ({result.returncode}): {_tail(result.stdout)}")
        pg_ctl = [*prefix, str(bindir / "pg_ctl")]
        port = _start_server(pg_ctl, data, log, base)
        server = PgServer(
            url=f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres",
            owned=True,
            base_dir=base,
            _pg_ctl=pg_ctl,
            _data_dir=data,
        )
        try:
            _create_session_database(server)
        except BaseException:
            server.stop()
            raise
        server.startup_seconds = time.monotonic() - started
        atexit.register(server.stop)  # stopped at exit even if nobody calls stop()
        return server
    except BaseException:
        if (base / "data" / "postmaster.pid").exists():
            _kill_postmaster(base / "data")
        shutil.rmtree(base, ignore_errors=True)
        raise


def _start_server(pg_ctl: list[str], data: Path, log: Path, base: Path) -> int:
    """Start the server on a free port (retrying if another process takes it first)."""
    conf = data / "postgresql.conf"
    original = conf.read_text()
    last_error = ""
    for _attempt in range(3):
        port = _free_port()
        conf.write_text(original + _settings(port, base))  # keeps the file's owner
        result = _run(
            [*pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", str(START_TIMEOUT), "start"],
            cwd=base,
            check=False,
        )
        if result.returncode == 0:
            return port
        server_log = log.read_text(errors="replace") if log.exists() else ""
        last_error = _tail(result.stdout + "\n" + server_log)
        if "could not bind" not in server_log and "already in use" not in server_log:
            break
    raise PgUnavailableError(f"pg_ctl start failed: {last_error}")


def _settings(port: int, base: Path) -> str:
    settings: dict[str, str | int] = {
        "listen_addresses": "127.0.0.1",
        "port": port,
        "unix_socket_directories": str(base),
        "max_connections": 200,
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "shared_buffers": "32MB",
        "logging_collector": "off",
        "log_min_messages": "warning",
        "dynamic_shared_memory_type": "posix",
    }
    lines = [
        f"{k} = {v}" if isinstance(v, int) else f"{k} = '{_conf_escape(v)}'"
        for k, v in settings.items()
    ]
    return "\n# mockserver test server\n" + "\n".join(lines) + "\n"


def _conf_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "''")


def _create_session_database(server: PgServer) -> None:
    """Create the session database, retrying the connection until the server answers."""
    import psycopg
    from psycopg import sql

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with _admin_connect(server.url) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SESSION_DATABASE)))
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PgUnavailableError(f"the test server does not answer: {exc}") from exc
            time.sleep(0.05)
    server.url = _with_database(server.url, SESSION_DATABASE)


def _system_user_prefix() -> list[str] | None:
    """As root: the command prefix that runs a program as the postgres user; else None."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PgUnavailableError(
            f"running as root and there is no {SYSTEM_USER!r} user to run initdb as "
            "(initdb refuses to run as root)"
        ) from None
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
    runuser = shutil.which("runuser", path=search)
    if runuser:
        return [runuser, "-u", SYSTEM_USER, "--"]
    su = shutil.which("su", path=search)
    if su:
        return [su, SYSTEM_USER, "-s", "/bin/sh", "-c"]  # the command follows as one string
    raise PgUnavailableError("running as root and neither runuser nor su is available")


def _temp_root(for_other_user: bool) -> str:
    """Where the cluster goes: memory (/dev/shm) when there is room, else the temp directory.

    A cluster on tmpfs creates a database ten times faster than one on disk. The directory must
    be reachable by the server's user and short enough for the socket path (107 bytes).
    """
    shm = Path("/dev/shm")
    with contextlib.suppress(OSError):
        if (
            shm.is_dir()
            and os.access(shm, os.W_OK | os.X_OK)
            and shutil.disk_usage(shm).free >= _SHM_MIN_FREE
            and (not for_other_user or _traversable_by_others(shm))
        ):
            return str(shm)
    root = tempfile.gettempdir()
    if len(root) > 60 or (for_other_user and not _traversable_by_others(Path(root))):
        return "/tmp"
    return root


def _traversable_by_others(path: Path) -> bool:
    for part in [path, *path.parents]:
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(
    command: Sequence[str], *, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    command = list(command)
    if Path(command[0]).name == "su":  # su takes the program as one shell string
        command = [*command[:5], shlex.join(command[5:])]
    env = {k: v for k, v in os.environ.items() if not _PG_ENV.match(k)}
    env["LC_ALL"] = "C"  # initdb --no-locale; English messages in the reasons we show
    # The server started by pg_ctl redirects its output to the log file, so it does not hold
    # our pipe open; stdin is closed so that nothing can wait for a password.
    return subprocess.run(
        command,
        cwd=cwd or "/",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=START_TIMEOUT + 30,
        check=check,
    )


def _kill_postmaster(data: Path) -> None:
    """Last resort when pg_ctl cannot stop our server: SIGQUIT (immediate shutdown) its pid."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)


def _tail(text: str, lines: int = 15) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())


def _check_reachable(url: str) -> None:
    import psycopg

    try:
        with _admin_connect(url) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise PgUnavailableError(f"{ENV_URL}={redact(url)} is not reachable: {exc}") from exc


# -- URLs ----------------------------------------------------------------------------------------
def _admin_connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit psycopg connection (a context manager) to the database named by ``url``."""
    import psycopg

    return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10)


def libpq_url(url: str) -> str:
    """``url`` in the form libpq and psycopg take (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return urlunsplit(("postgresql", *urlsplit(url)[1:]))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def _with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    option = "options=" + quote(f"-csearch_path={schema}", safe="")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(parts._replace(query=query))


def redact(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
