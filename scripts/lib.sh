# Shared set-up for scripts/run and scripts/test: sourced, never executed.
#
# Everything here is idempotent: a second call finds what the first one made and reuses it.
# Without DATABASE_URL a project-local PostgreSQL cluster is created under .pg/ (git-ignored);
# with DATABASE_URL the given server is used and no cluster is touched.

set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$PROJECT_DIR/.venv"
PG_LINK="$PROJECT_DIR/.pg"
LOCAL_DIR="$PROJECT_DIR/.local"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

# --- system packages ---------------------------------------------------------------------
# What the app needs (PostgreSQL server + contrib for btree_gist, CJK fonts and Pango for
# WeasyPrint) and, for the test suite, what the tests drive (chromium, pdftotext, LibreOffice
# to make real .xls files).
pg_bindir() {
  local d
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null && dirname "$(readlink -f "$(command -v initdb)")"
}

missing_packages() {  # $1 = app|test
  local missing=()
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  if [ -z "${DATABASE_URL:-}" ]; then
    local bindir; bindir=$(pg_bindir || true)
    if [ -z "$bindir" ]; then missing+=(postgresql postgresql-contrib)
    elif [ ! -f "$("$bindir/pg_config" --sharedir 2>/dev/null || echo /nonexistent)/extension/btree_gist.control" ] \
         && ! ls /usr/share/postgresql/*/extension/btree_gist.control >/dev/null 2>&1; then
      missing+=(postgresql-contrib)
    fi
  fi
  # grep without -q reads to the end: with pipefail, -q would make the writer die of SIGPIPE.
  fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null || missing+=(fonts-noto-cjk)
  ldconfig -p 2>/dev/null | grep libpango-1.0 >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  if [ "$1" = test ]; then
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    command -v pdftotext >/dev/null || missing+=(poppler-utils)
    command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
  fi
  echo "${missing[@]:-}"
}

ensure_system_packages() {  # $1 = app|test
  local missing; missing=$(missing_packages "$1")
  [ -z "$missing" ] && return 0
  say "Installing system packages: $missing (a few minutes on a new machine; log: /tmp/tongzhou_care-apt.log)"
  local log=/tmp/tongzhou_care-apt.log
  if ! with_progress "packages set up" "" "^Setting up " "$log" \
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing; then
    say "Updating the package lists, then trying again"
    with_progress "package lists" "" "^(Get|Hit):" "$log" as_root apt-get update -q \
      || die "Cannot install $missing: run as root or with sudo, or install them yourself."
    with_progress "packages set up" "" "^Setting up " "$log" \
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
      || die "apt-get install $missing failed (see $log)."
  fi
}

# Runs a command with its output in a log file and shows how far it is: the number of log lines
# matching a pattern (of a total, when known), on one line that a terminal rewrites. On failure
# the end of the log is shown.
with_progress() {  # label total pattern log command...
  local label=$1 total=$2 pattern=$3 log=$4 pid n shown=-1 status=0
  shift 4
  "$@" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    n=$(grep -cE "$pattern" "$log" 2>/dev/null || true)
    if [ -t 2 ] && [ "$n" != "$shown" ]; then printf '\r    %s: %s%s' "$label" "$n" "${total:+/$total}" >&2; shown=$n; fi
    sleep 1
  done
  wait "$pid" || status=$?
  n=$(grep -cE "$pattern" "$log" 2>/dev/null || true)
  [ -t 2 ] && printf '\r' >&2
  printf '    %s: %s%s\n' "$label" "$n" "${total:+/$total}" >&2
  if [ "$status" != 0 ]; then tail -20 "$log" >&2; fi
  return "$status"
}

# --- Python ------------------------------------------------------------------------------
ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating virtualenv .venv"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum "$PROJECT_DIR/requirements.txt" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing Python packages from requirements.txt (first time: a minute or two; log: .venv/pip.log)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    with_progress "packages" "$(grep -cE '^[A-Za-z]' "$PROJECT_DIR/requirements.txt")" "^(Collecting|Processing) " "$VENV/pip.log" \
      "$VENV/bin/python" -m pip install -r "$PROJECT_DIR/requirements.txt" || die "pip install failed (see .venv/pip.log)."
    echo "$want" > "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

# --- PostgreSQL --------------------------------------------------------------------------
# initdb and postgres refuse to run as root. When we are root the cluster belongs to an
# unprivileged account (postgres, or nobody). That account must be able to reach the data
# folder: CI may clone into a folder only root can enter (mktemp -d), so then the cluster lives
# in /var/tmp and .pg is a symlink to it. The server listens on 127.0.0.1 only, on a port chosen
# free at creation, with a generated password (scram-sha-256): no trust auth, no socket file.
pg_owner() {
  if [ "$(id -u)" != 0 ]; then id -un; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; else echo nobody; fi
}

run_as_owner() {
  # cd /: the owner may not be allowed into the current folder.
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$(pg_owner)" -- "$@"); else "$@"; fi
}

pg_home() {  # the real folder behind .pg
  if [ -e "$PG_LINK" ]; then readlink -f "$PG_LINK"; return; fi
  local home="$PG_LINK"
  if [ "$(id -u)" = 0 ] && ! runuser -u "$(pg_owner)" -- test -x "$PROJECT_DIR"; then
    home="/var/tmp/tongzhou_care-pg-$(echo -n "$PROJECT_DIR" | sha256sum | cut -c1-12)"
  fi
  mkdir -p "$home"
  [ "$home" != "$PG_LINK" ] && ln -sfn "$home" "$PG_LINK"
  [ "$(id -u)" = 0 ] && chown "$(pg_owner)" "$home"
  chmod 700 "$home"
  echo "$home"
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

port_in_use() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

pg_init() {
  local home bindir; home=$(pg_home); bindir=$(pg_bindir) || die "PostgreSQL server not found."
  [ -f "$home/data/PG_VERSION" ] && return 0
  say "Creating the project-local PostgreSQL cluster in $home"
  python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$home/password"
  free_port > "$home/port"
  chmod 600 "$home/password"
  [ "$(id -u)" = 0 ] && chown "$(pg_owner)" "$home/password" "$home/port"
  run_as_owner "$bindir/initdb" -D "$home/data" -U tongzhou --auth=scram-sha-256 \
    --pwfile="$home/password" -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
    || { cat "$home/initdb.log" >&2; die "initdb failed"; }
}

pg_is_running() {
  local home; home=$(pg_home)
  [ -f "$home/data/postmaster.pid" ] && run_as_owner "$(pg_bindir)/pg_ctl" -D "$home/data" status >/dev/null 2>&1
}

pg_start() {
  local home bindir port; home=$(pg_home); bindir=$(pg_bindir)
  pg_init
  if ! pg_is_running; then
    port=$(cat "$home/port")
    if port_in_use "$port"; then
      port=$(free_port); echo "$port" > "$home/port"
    fi
    say "Starting PostgreSQL on 127.0.0.1:$port"
    run_as_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off" start \
      >/dev/null || { tail -20 "$home/server.log" >&2; die "PostgreSQL did not start"; }
  fi
}

pg_stop() {
  [ -e "$PG_LINK" ] || return 0
  if pg_is_running; then
    say "Stopping PostgreSQL"
    run_as_owner "$(pg_bindir)/pg_ctl" -D "$(pg_home)/data" -m fast -w stop >/dev/null
  fi
}

pg_url() {  # $1 = database name
  local home; home=$(pg_home)
  echo "postgres://tongzhou:$(cat "$home/password")@127.0.0.1:$(cat "$home/port")/$1"
}

# Database roles (docs/deploy.md "Database roles"): the cluster's superuser (tongzhou) only sets
# up; tongzhou_owner owns the databases and runs migrations, tests and benchmarks; the app and
# its worker connect as tongzhou_app, which owns nothing (no TRUNCATE, no disabling triggers).
OWNER_ROLE=tongzhou_owner
RUNTIME_ROLE=tongzhou_app

role_password() {  # $1 = role; generated once, kept beside the cluster
  local home file; home=$(pg_home); file="$home/$1.password"
  if [ ! -s "$file" ]; then
    python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$file"; chmod 600 "$file"
  fi
  cat "$file"
}

role_url() {  # $1 = role, $2 = database name
  local home; home=$(pg_home)
  echo "postgres://$1:$(role_password "$1")@127.0.0.1:$(cat "$home/port")/$2"
}

# Sets DATABASE_URL (unless given) to database $1 (default tongzhou_care) of the local cluster
# as the owner role, DATABASE_RUNTIME_URL to the same database as the runtime role and
# DATABASE_RUNTIME_ROLE (migrations grant it its privileges); creates the roles and the
# database if missing, and hands a database made before the roles existed to the owner.
ensure_database() {
  if [ -n "${DATABASE_URL:-}" ]; then return 0; fi
  local name=${1:-tongzhou_care}
  pg_start
  export DATABASE_URL DATABASE_RUNTIME_URL DATABASE_RUNTIME_ROLE=$RUNTIME_ROLE
  DATABASE_URL=$(role_url "$OWNER_ROLE" "$name")
  DATABASE_RUNTIME_URL=$(role_url "$RUNTIME_ROLE" "$name")
  "$VENV/bin/python" - "$(pg_url postgres)" "$name" "$OWNER_ROLE" "$(role_password "$OWNER_ROLE")" \
      "$RUNTIME_ROLE" "$(role_password "$RUNTIME_ROLE")" <<'PY'
import sys, psycopg2
from psycopg2 import sql
url, name, owner, owner_pw, runtime, runtime_pw = sys.argv[1:]
conn = psycopg2.connect(url); conn.autocommit = True
cur = conn.cursor()
for role, password, extra in ((owner, owner_pw, "CREATEDB"), (runtime, runtime_pw, "NOCREATEDB")):
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    verb = "ALTER" if cur.fetchone() else "CREATE"
    cur.execute(sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEROLE " + extra + " PASSWORD %s")
                .format(sql.Identifier(role)), [password])
cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name])
row = cur.fetchone()
if not row:
    cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
elif row[0] != owner:
    # Made before the roles existed: the owner role takes over the database and its objects.
    cur.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(owner)))
    db = psycopg2.connect(url.rsplit("/", 1)[0] + "/" + name); db.autocommit = True
    c = db.cursor()
    c.execute("""SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
                        c.relname
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v')
                   AND pg_get_userbyid(c.relowner) <> %s
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))""",
              [owner])
    for kind, rel in c.fetchall():
        c.execute(sql.SQL("ALTER " + kind + " {} OWNER TO {}").format(sql.Identifier(rel), sql.Identifier(owner)))
    c.execute("""SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""", [owner])
    for (function,) in c.fetchall():
        c.execute(sql.SQL("ALTER FUNCTION " + function + " OWNER TO {}").format(sql.Identifier(owner)))
    db.close()
PY
}

# --- maintenance scripts (backup, restore) -------------------------------------------------
# With DATABASE_URL (a server, as in production, run with the service's environment): the
# installed .venv as it is (no pip: the intranet is offline) and DJANGO_SETTINGS_MODULE,
# production unless set. Without: the project-local cluster and the development settings.
use_app_environment() {
  if [ -n "${DATABASE_URL:-}" ]; then
    [ -x "$VENV/bin/python" ] || die "No .venv in $PROJECT_DIR: install it as docs/deploy.md says."
    export PATH="$VENV/bin:$PATH"
    export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-tongzhou_care.settings.production}
  else
    ensure_venv
    ensure_database
    export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-tongzhou_care.settings.dev}
  fi
}
