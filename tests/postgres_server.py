"""A throw-away PostgreSQL server for tests: initdb + pg_ctl in a temporary folder, on a free local
port, trust authentication, its unix socket in the same folder. Stopped and removed by stop().

PostgreSQL refuses to run as root: under uid 0 the server's processes run as the `postgres` system
user (created when missing), else as `nobody`, and the folder is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import free_port

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    """The folder with initdb and pg_ctl: PATH, then `pg_config --bindir`, then Debian's layout."""
    on_path = [shutil.which(name) for name in ("initdb", "pg_ctl")]
    if all(on_path):
        return Path(os.path.realpath(on_path[0])).parent
    candidates: list[str] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versions, key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if folder and all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def _server_user() -> pwd.struct_passwd | None:
    """None when not root (the server runs as the current user)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pass
    if shutil.which("useradd"):
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], capture_output=True)
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


@dataclass
class PostgresServer:
    folder: Path
    bindir: Path
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    _owned_folder: bool = False
    _owner: pwd.struct_passwd | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def _run(self, args: list[str], owner: pwd.struct_passwd | None) -> None:
        as_user = dict(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[]) if owner else {}
        env = {**os.environ, "LC_ALL": "C", "HOME": str(self.folder)}
        result = subprocess.run(args, capture_output=True, text=True, env=env, cwd=self.folder, **as_user)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")

    def start(self) -> PostgresServer:
        owner = _server_user()
        if owner:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self._owner = owner
        self._run([str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user, "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"], owner)
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off -c timezone=UTC"
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "-t", "60", "start"], owner)
        return self

    def stop(self) -> None:
        if self.data_dir.exists():
            try:
                self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], self._owner)
            finally:
                if self._owned_folder:
                    shutil.rmtree(self.folder, ignore_errors=True)

    def connect(self, database: str):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname=database)

    def create_database(self, name: str) -> None:
        con = self.connect("postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'create database "{name}"')
        finally:
            con.close()

    def env(self, database: str) -> dict[str, str]:
        """The environment variables the `postgres` output of profiles.yml reads."""
        return {
            "LEAD_SCORING_TARGET": "postgres",
            "LEAD_SCORING_PG_HOST": self.host,
            "LEAD_SCORING_PG_PORT": str(self.port),
            "LEAD_SCORING_PG_USER": self.user,
            "LEAD_SCORING_PG_PASSWORD": "",
            "LEAD_SCORING_PG_DATABASE": database,
        }


def start_server(folder: Path, bindir: Path) -> PostgresServer:
    """Start a server in `folder` (a fresh empty folder). As root, pytest's temporary folders are
    closed to other users, so the server gets its own folder in the system's temporary directory."""
    owned = os.geteuid() == 0
    if owned:
        folder = Path(tempfile.mkdtemp(prefix="lead-scoring-pg-"))
    server = PostgresServer(folder=folder, bindir=bindir, _owned_folder=owned)
    try:
        return server.start()
    except BaseException:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
        raise
