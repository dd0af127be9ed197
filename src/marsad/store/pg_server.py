"""A throwaway local PostgreSQL server (for tests and benchmarks): initdb in a temp dir, loopback only.

PostgreSQL refuses to run as root; when the current user is root the server runs as the
``postgres`` system user through ``runuser``. Authentication is ``trust`` and the server listens
only on 127.0.0.1 and a Unix socket inside its own directory, so it is reachable from this machine only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: Where Debian puts the server binaries (``postgresql-15``); PATH is searched first.
PG_BIN_DIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
#: Seconds to wait for the server to accept connections (initdb + start take ~2 s here).
START_TIMEOUT = 60
#: Enough connections for 4 benchmark writers, test processes and Spark tasks with headroom.
MAX_CONNECTIONS = 100


def find_bin(name: str) -> str | None:
    """Return the path of a PostgreSQL server binary, or None if it is not installed."""
    for d in PG_BIN_DIRS:
        p = Path(d) / name
        if p.is_file():
            return str(p)
    return shutil.which(name)


def available() -> bool:
    """Return True if initdb, pg_ctl and postgres are installed."""
    return all(find_bin(n) for n in ("initdb", "pg_ctl", "postgres"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(slots=True)
class LocalServer:
    """A running throwaway server; ``url(db)`` gives a connection URL."""

    root: Path
    port: int
    user: str

    def url(self, db: str = "postgres") -> str:
        """Return the postgresql:// URL of database ``db`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (empty, or a copy of database ``template``) and return its URL.

        Copying a template is PostgreSQL's file-level copy: much faster than ingesting again, and the
        template must have no open connections.
        """
        import psycopg

        for part in (name, template or ""):
            if '"' in part or "\x00" in part:
                raise ValueError(f"bad database name {part!r}")
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.encode())
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        _run(["pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"], check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _as_server_user(cmd: list[str]) -> list[str]:
    exe = find_bin(cmd[0]) or cmd[0]
    full = [exe, *cmd[1:]]
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *full]
    return full


def _run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=check, timeout=START_TIMEOUT)


def start(base: str | Path | None = None) -> LocalServer:
    """Initialise and start a server in a new temp directory; raises RuntimeError if that fails."""
    root = Path(tempfile.mkdtemp(prefix="marsad-pg-", dir=base))
    root.chmod(0o755)
    data = root / "data"
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    try:
        _run(["initdb", "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root}"
            f" -c max_connections={MAX_CONNECTIONS} -c fsync=off -c full_page_writes=off"
        )
        _run(["pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-o", opts, "-w", "-t", str(START_TIMEOUT), "start"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        detail = getattr(exc, "stderr", "") or ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {detail}\n{log}") from exc
    return LocalServer(root=root, port=port, user=user)
