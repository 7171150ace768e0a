"""Backups that restore (docs/deploy.md, "Backups"): the database as one pg_dump in custom
format and the uploaded files (MEDIA_ROOT) as one tar, with a manifest of checksums and of the
row count of every table, all taken from the same moment of the database.

    backup(dest)      -> dest/tongzhou_care-20261129-0200/ with
                         database.dump  pg_dump -Fc of the whole database
                         media.tar      every file below MEDIA_ROOT (job parts being written excluded)
                         manifest.json  when, which code and migrations, rows per table, SHA-256 per file
                         SHA256SUMS     the checksums of the three files above (`sha256sum -c SHA256SUMS`)
    restore(folder)   -> checks every checksum first, then restores into an empty database and an
                         empty media folder, and checks the files and the row counts again.

The restore gives every object to the role it connects as (`pg_restore --no-owner`): connect as
the role that should own the tables (the migration owner), whatever role owned them before.
Grants in the dump are restored as they were, so the roles they name must exist in the target
cluster; `no_privileges=True` leaves them out, to be granted again as on a new installation.

Nothing here is Django-specific except where the settings are read; the database tools are
called with the connection in environment variables (PGPASSWORD never appears in `ps`).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg2
from psycopg2 import sql

FORMAT = 1                      # of manifest.json; a restore refuses formats it does not know
DUMP, MEDIA, MANIFEST, SUMS = "database.dump", "media.tar", "manifest.json", "SHA256SUMS"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Database:
    """Where to connect: Django's settings_dict of a PostgreSQL database."""

    name: str
    user: str
    password: str
    host: str
    port: str

    @classmethod
    def from_settings(cls, settings_dict: dict) -> "Database":
        return cls(name=settings_dict["NAME"], user=settings_dict.get("USER") or "",
                   password=settings_dict.get("PASSWORD") or "", host=settings_dict.get("HOST") or "",
                   port=str(settings_dict.get("PORT") or ""))

    def env(self) -> dict:
        values = {"PGDATABASE": self.name, "PGUSER": self.user, "PGPASSWORD": self.password,
                  "PGHOST": self.host, "PGPORT": self.port}
        return {**os.environ, **{k: v for k, v in values.items() if v}}

    def connect(self):
        return psycopg2.connect(dbname=self.name, user=self.user or None, password=self.password or None,
                                host=self.host or None, port=self.port or None)


# --- tools ---------------------------------------------------------------------------------
def pg_tool(name: str, server_version: int) -> str:
    """The newest installed pg_dump/pg_restore; refuses one older than the server (pg_dump
    cannot dump a newer server)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0, reverse=True)
    tool = str(candidates[0]) if candidates else shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client).")
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    major = int(re.search(r"\)\s*(\d+)", out).group(1))      # pg_dump (PostgreSQL) 15.8 (Debian ...)
    if major < server_version // 10000:
        raise BackupError(f"{tool} is version {major}, the server {server_version // 10000}: install "
                          f"postgresql-client-{server_version // 10000}.")
    return tool


def _run(args: list[str], database: Database, what: str) -> None:
    result = subprocess.run(args, env=database.env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{result.stderr.strip()}")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """A file read once by tarfile while its SHA-256 is computed."""

    def __init__(self, f):
        self.f, self.digest = f, hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _is_temporary(path: Path) -> bool:
    # A part a running job is writing (core.jobs.write_atomically): it is renamed when done.
    return path.name.startswith(".") and ".tmp-" in path.name


def table_counts(cursor) -> dict[str, int]:
    """Rows of every table of the application's schemas."""
    cursor.execute("SELECT schemaname, tablename FROM pg_tables "
                   "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> dict[str, str]:
    """The last migration applied per app: which release of the code the data belongs to."""
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _code_version(project: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


# --- backup --------------------------------------------------------------------------------
def backup(dest: Path, *, database: Database, media_root: Path, project: Path, keep_days: int = 0,
           progress=print) -> Path:
    """Write one backup folder below `dest` and return it. The folder is written under a
    `.partial` name and renamed at the end: a folder without that suffix is complete. With
    `keep_days`, backups older than that are removed afterwards (never before a new one exists)."""
    os.umask(0o077)                          # personal data: readable by the backup's owner only
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    final = dest / f"tongzhou_care-{stamp}"
    work = dest / f".tongzhou_care-{stamp}.partial"
    if final.exists():
        raise BackupError(f"{final} already exists.")
    work.mkdir(parents=True)
    try:
        manifest = {"format": FORMAT, "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                    "code": _code_version(project), "database": database.name}
        # One snapshot for the dump and the counts: the counts are those of the dumped data.
        conn = database.connect()
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')::int")
                snapshot, server_version = cursor.fetchone()
                manifest["server_version"] = server_version
                progress("数据库导出（pg_dump）……")
                _run([pg_tool("pg_dump", server_version), "--format=custom", f"--snapshot={snapshot}",
                      "--no-password", f"--file={work / DUMP}"], database, "pg_dump")
                manifest["tables"] = table_counts(cursor)
                manifest["migrations"] = applied_migrations(cursor)
        finally:
            conn.close()
        progress("上传文件打包……")
        manifest["media"] = _write_media(work / MEDIA, media_root)
        manifest["files"] = {name: sha256_file(work / name) for name in (DUMP, MEDIA)}
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        sums = {**manifest["files"], MANIFEST: sha256_file(work / MANIFEST)}
        (work / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sums.items()))
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress(f"备份完成：{final}（{sum(manifest['tables'].values())} 行数据，{len(manifest['media'])} 个文件）")
    if keep_days:
        for old in prune(dest, keep_days=keep_days, now=datetime.now()):
            progress(f"已删除超过 {keep_days} 天的旧备份：{old.name}")
    return final


NAME = re.compile(r"^\.?tongzhou_care-(\d{8}-\d{6})(\.partial)?$")


def prune(dest: Path, *, keep_days: int, now: datetime) -> list[Path]:
    """Remove the backups in `dest` (and leftovers of interrupted ones) made more than
    `keep_days` days before `now`; data deleted by retention leaves the backups with them."""
    removed = []
    for folder in sorted(dest.iterdir()):
        match = NAME.match(folder.name)
        if match and folder.is_dir() and (now - datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")).days > keep_days:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def _write_media(target: Path, media_root: Path) -> dict[str, str]:
    """Tar every file below media_root, hashing each as it is read; returns path → SHA-256."""
    hashes = {}
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        if not media_root.exists():
            return hashes
        for path in sorted(media_root.rglob("*")):
            if not path.is_file() or path.is_symlink() or _is_temporary(path):
                continue
            name = path.relative_to(media_root).as_posix()
            info = tar.gettarinfo(str(path), arcname=name)
            with path.open("rb") as f:
                reader = _HashingReader(f)
                tar.addfile(info, reader)
            hashes[name] = reader.digest.hexdigest()
    return hashes


# --- restore -------------------------------------------------------------------------------
def verify_backup(folder: Path) -> dict:
    """Check the backup's files against SHA256SUMS and return its manifest; raises BackupError
    naming the first damaged or missing file. Touches nothing."""
    sums_path = folder / SUMS
    if not sums_path.exists():
        raise BackupError(f"{folder} is not a complete backup (no {SUMS}).")
    expected = {}
    for line in sums_path.read_text().splitlines():
        digest, name = line.split(None, 1)
        expected[name.strip().lstrip("*")] = digest
    for name in (DUMP, MEDIA, MANIFEST):
        if name not in expected or not (folder / name).exists():
            raise BackupError(f"{name} is missing from the backup.")
        if sha256_file(folder / name) != expected[name]:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged, use another copy.")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}.")
    return manifest


def restore(folder: Path, *, database: Database, media_root: Path, no_privileges: bool = False,
            progress=print) -> dict:
    """Restore a backup into an empty database and an empty media folder, then check every
    file's checksum and every table's row count against the manifest. Returns the manifest."""
    progress("校验备份文件……")
    manifest = verify_backup(folder)
    conn = database.connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
            if cursor.fetchone()[0]:
                raise BackupError(f"database {database.name} is not empty: restore only into a new, empty "
                                  "database (createdb), never over live data.")
            cursor.execute("SELECT current_setting('server_version_num')::int")
            server_version = cursor.fetchone()[0]
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(f"media folder {media_root} is not empty: restore only into a new, empty folder.")

        progress("恢复数据库（pg_restore）……")
        tool = pg_tool("pg_restore", server_version)
        listing = subprocess.run([tool, "--list", str(folder / DUMP)], capture_output=True, text=True, check=True).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".list") as entries:
            # Only an extension's owner (a superuser) may comment on it; the comment is not data.
            entries.write("".join(line + "\n" for line in listing.splitlines() if " COMMENT - EXTENSION " not in line))
            entries.flush()
            # One transaction: a restore that fails half-way leaves the database empty again.
            _run([tool, "--no-owner", *(["--no-privileges"] if no_privileges else []), "--single-transaction",
                  "--exit-on-error", "--no-password", f"--use-list={entries.name}", f"--dbname={database.name}",
                  str(folder / DUMP)], database, "pg_restore")

        progress("恢复上传文件……")
        _extract_media(folder / MEDIA, media_root, manifest["media"])

        progress("核对行数……")
        with conn.cursor() as cursor:
            counts = table_counts(cursor)
        differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
        if differ:
            raise BackupError("row counts differ after the restore (table: backup, restored): "
                              + ", ".join(f"{t}: {a}, {b}" for t, (a, b) in sorted(differ.items())))
    finally:
        conn.close()
    progress(f"恢复完成：{len(manifest['tables'])} 张表共 {sum(manifest['tables'].values())} 行、"
             f"{len(manifest['media'])} 个文件，校验一致。")
    return manifest


def _extract_media(archive: Path, media_root: Path, expected: dict[str, str]) -> None:
    """Unpack only plain files and folders below media_root, then check each file's SHA-256."""
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = Path(member.name)
            if not (member.isfile() or member.isdir()) or name.is_absolute() or ".." in name.parts:
                raise BackupError(f"media.tar holds an unexpected entry {member.name!r}: not restored.")
        if hasattr(tarfile, "data_filter"):
            tar.extractall(media_root, filter="data")
        else:  # Python without PEP 706: the members were checked above
            tar.extractall(media_root)
    found = {p.relative_to(media_root).as_posix(): p for p in media_root.rglob("*") if p.is_file()}
    if set(found) != set(expected):
        missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
        raise BackupError(f"restored files differ from the manifest: missing {missing[:5]}, extra {extra[:5]}")
    damaged = [name for name, path in found.items() if sha256_file(path) != expected[name]]
    if damaged:
        raise BackupError(f"{len(damaged)} restored files do not match their checksums, e.g. {damaged[0]}")
