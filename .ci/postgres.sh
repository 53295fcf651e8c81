# shellcheck shell=bash
# A throwaway PostgreSQL server for procreg-postgres's tests, on 127.0.0.1.
#
# Source it, then start the server; it stops itself when the shell exits:
#
#   source .ci/postgres.sh
#   procreg_pg_start            # installs Debian's postgresql if needed, initdb, pg_ctl start
#   cargo test -p procreg-postgres
#   procreg_pg_stop             # optional: an EXIT trap does it too
#
# procreg_pg_start exports:
#   PROCREG_PG_URL   connection string of the server (trust auth, user postgres)
#   PROCREG_PG_CTL   a pg_ctl that works from this shell (runs as the cluster's owner when we are root)
#   PROCREG_PG_DATA  the cluster's data directory (for the kill test's stop/start)
#
# Knobs: PROCREG_PG_PORT (first port tried, default 54329), PROCREG_PG_KEEP=1
# (leave the temp dir behind for inspection), PROCREG_PG_FSYNC=on (default
# off: a throwaway cluster needs to survive a server crash, which is what the
# kill test does, not a power cut; commits stay synchronous, so an
# acknowledged commit has reached the OS before the call returns). Everything lives in one temp
# dir; nothing outside it is touched except the apt install and, when root,
# the unprivileged `postgres` user (created if missing).

procreg_pg__log() { printf 'postgres.sh: %s\n' "$*" >&2; }

# The versioned bin dir (/usr/lib/postgresql/<ver>/bin) of the newest installed server.
procreg_pg__bindir() {
  local initdb
  initdb="$( (ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null || true) | sort -V | tail -n 1)"
  [ -n "$initdb" ] && [ -x "$initdb" ] && dirname "$initdb"
  return 0
}

procreg_pg__install() {
  if [ -n "$(procreg_pg__bindir)" ]; then
    return 0
  fi
  procreg_pg__log "no /usr/lib/postgresql/*/bin/initdb: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's postinst creates and starts a default cluster on 5432; we want none.
  local policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_created=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -z "$(procreg_pg__bindir)" ]; then
    procreg_pg__log "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
    return 1
  fi
}

# Runs a server binary as the cluster owner: ourselves, or `postgres` when we are root.
procreg_pg__as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PROCREG_PG__OWNER" -- "$@"
  else
    "$@"
  fi
}

procreg_pg__port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

procreg_pg_start() {
  if [ -n "${PROCREG_PG__DIR:-}" ]; then
    procreg_pg__log "already started (data in $PROCREG_PG_DATA)"
    return 0
  fi
  procreg_pg__install || return 1
  local bindir
  bindir="$(procreg_pg__bindir)"
  PROCREG_PG__OWNER="$(id -un)"
  if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root.
    PROCREG_PG__OWNER=postgres
    if ! id postgres >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
  fi
  PROCREG_PG__DIR="$(mktemp -d /tmp/procreg-pg.XXXXXX)"
  chmod 755 "$PROCREG_PG__DIR"
  if [ "$(id -u)" = 0 ]; then chown "$PROCREG_PG__OWNER" "$PROCREG_PG__DIR"; fi
  local data="$PROCREG_PG__DIR/data"
  local port="${PROCREG_PG_PORT:-54329}" tries=0
  while procreg_pg__port_busy "$port"; do
    port=$((port + 1)) tries=$((tries + 1))
    if [ "$tries" -ge 50 ]; then
      procreg_pg__log "no free port in ${PROCREG_PG_PORT:-54329}..$port"
      return 1
    fi
  done
  procreg_pg__log "initdb $data (PostgreSQL in $bindir, owner $PROCREG_PG__OWNER, port $port)"
  procreg_pg__as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust \
    --encoding=UTF8 --no-locale >"$PROCREG_PG__DIR/initdb.log" 2>&1 || {
    cat "$PROCREG_PG__DIR/initdb.log" >&2
    return 1
  }
  # Loopback only, trust auth, sockets in the temp dir; room for parallel tests.
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PROCREG_PG__DIR'
max_connections = 200
shared_buffers = 64MB
max_locks_per_transaction = 256
fsync = ${PROCREG_PG_FSYNC:-off}
synchronous_commit = on
EOF
  cat >"$data/pg_hba.conf" <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
EOF
  # A pg_ctl the tests can call as they are (root or not).
  cat >"$PROCREG_PG__DIR/pg_ctl" <<EOF
#!/usr/bin/env bash
if [ "\$(id -u)" = 0 ]; then exec runuser -u $PROCREG_PG__OWNER -- "$bindir/pg_ctl" "\$@"; fi
exec "$bindir/pg_ctl" "\$@"
EOF
  chmod 755 "$PROCREG_PG__DIR/pg_ctl"
  procreg_pg__as_owner "$bindir/pg_ctl" start -D "$data" -w -t 60 \
    -l "$data/server.log" >/dev/null || {
    procreg_pg__log "pg_ctl start failed; server log:"
    cat "$data/server.log" >&2
    return 1
  }
  local waited=0
  until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; do
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      procreg_pg__log "server not ready after 30 s"
      cat "$data/server.log" >&2
      return 1
    fi
    sleep 0.5
  done
  export PROCREG_PG_URL="host=127.0.0.1 port=$port user=postgres dbname=postgres"
  export PROCREG_PG_CTL="$PROCREG_PG__DIR/pg_ctl"
  export PROCREG_PG_DATA="$data"
  export PROCREG_PG__DIR PROCREG_PG__OWNER
  # Stop the server when the sourcing shell exits, keeping any EXIT trap it had.
  local previous
  previous="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
  if [ -n "$previous" ]; then
    # shellcheck disable=SC2064
    trap "procreg_pg_stop || true; $previous" EXIT
  else
    trap procreg_pg_stop EXIT
  fi
  procreg_pg__log "ready: PROCREG_PG_URL='$PROCREG_PG_URL'"
}

procreg_pg_stop() {
  [ -n "${PROCREG_PG__DIR:-}" ] || return 0
  local dir="$PROCREG_PG__DIR"
  # Immediate: a throwaway cluster needs no checkpoint.
  if [ -d "$dir/data" ]; then
    "$dir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
  fi
  if [ "${PROCREG_PG_KEEP:-0}" = 1 ]; then
    procreg_pg__log "stopped; kept $dir"
  else
    rm -rf "$dir"
    procreg_pg__log "stopped and removed $dir"
  fi
  unset PROCREG_PG__DIR PROCREG_PG_URL PROCREG_PG_CTL PROCREG_PG_DATA
}
