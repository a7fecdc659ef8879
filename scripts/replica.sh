#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL cluster, on another port, for the replica routing
# tests (tests/test_replica_routing.py) and for trying DATABASE_REPLICA_URL by hand.
#
#   scripts/replica.sh start    build it if needed (pg_basebackup -R), start it, wait until it streams
#   scripts/replica.sh status   running? streaming? how far behind? Exits 0 only when it streams.
#   scripts/replica.sh stop     stop it; its data stays, so the next start takes a second
#   scripts/replica.sh destroy  stop it and delete its data
#
# Environment, with defaults: PRIMARY_HOST=127.0.0.1 PRIMARY_PORT=5432 PRIMARY_USER=postgres
# REPLICA_PORT=5433 REPLICA_DATA=/tmp/claims-replica-$REPLICA_PORT, and PG_BIN (the directory of
# the PostgreSQL programs matching the primary's version, found under /usr/lib/postgresql).
#
# What the primary needs, and what this does about it:
# - wal_level replica or logical (PostgreSQL's default) and max_wal_senders > 0. Changing them
#   means restarting the primary, so the script says what to set and stops.
# - to accept replication connections from 127.0.0.1. If it refuses them, `start` appends one
#   line to its pg_hba.conf (marked, once), with the auth method its rule for ordinary
#   connections from 127.0.0.1 already uses, and reloads it. `destroy` leaves that line.
# Run as root, the PostgreSQL programs run as the postgres user: they refuse to run as root.
# No replication slot is used, so a forgotten replica never makes the primary keep WAL; if the
# replica falls too far behind to catch up, `start` copies the primary again.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
PRIMARY_USER=${PRIMARY_USER:-postgres}
REPLICA_PORT=${REPLICA_PORT:-5433}
DATA=$(realpath -m "${REPLICA_DATA:-/tmp/claims-replica-$REPLICA_PORT}")
MARK="Written by scripts/replica.sh"

say() { echo "replica: $*"; }
die() {
  echo "replica: $*" >&2
  exit 1
}

if [ "$(id -u)" = 0 ]; then
  as_postgres() { (cd / && runuser -u postgres -- "$@"); }
  own() { chown postgres:postgres "$@"; }
else
  as_postgres() { "$@"; }
  own() { :; }
fi

primary() { "$BIN/psql" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -d postgres -XqtAc "$1"; }
replica() { "$BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U "$PRIMARY_USER" -d postgres -XqtAc "$1"; }

find_bin() {
  local version=""
  if [ -n "${PG_BIN:-}" ]; then
    BIN=$PG_BIN
    return
  fi
  if [ -f "$DATA/PG_VERSION" ]; then
    version=$(cat "$DATA/PG_VERSION")
  elif command -v psql >/dev/null; then
    version=$(psql -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -d postgres -XqtAc \
      "SELECT current_setting('server_version_num')::int / 10000" 2>/dev/null || true)
  fi
  if [ -n "$version" ] && [ -x "/usr/lib/postgresql/$version/bin/pg_basebackup" ]; then
    BIN=/usr/lib/postgresql/$version/bin
  else
    BIN=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -n "$BIN" ] && [ -x "$BIN/pg_basebackup" ] || die "no pg_basebackup found; set PG_BIN to PostgreSQL's bin directory"
}

running() { [ -f "$DATA/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
ours() { [ -f "$DATA/postgresql.conf" ] && grep -q "$MARK" "$DATA/postgresql.conf"; }

check_primary() {
  "$BIN/pg_isready" -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" ||
    die "the primary at $PRIMARY_HOST:$PRIMARY_PORT is not accepting connections"
  local level senders
  level=$(primary "SHOW wal_level")
  senders=$(primary "SHOW max_wal_senders")
  [ "$level" = replica ] || [ "$level" = logical ] ||
    die "the primary has wal_level = $level: set wal_level = replica in its postgresql.conf and restart it"
  [ "$senders" -gt 0 ] ||
    die "the primary has max_wal_senders = 0: set it to 10 in its postgresql.conf and restart it"
}

replication_allowed() {
  "$BIN/psql" "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$PRIMARY_USER dbname=postgres replication=true" \
    -XqtAc IDENTIFY_SYSTEM >/dev/null 2>&1
}

allow_replication() {
  replication_allowed && return
  local hba method line
  hba=$(primary "SHOW hba_file")
  line="host replication $PRIMARY_USER 127.0.0.1/32"
  if grep -q "$MARK" "$hba" 2>/dev/null; then
    die "the primary still refuses replication connections although $hba has our line; an earlier line may match first"
  fi
  # The rule ordinary connections from 127.0.0.1 meet first: replication gets the same method.
  method=$(primary "SELECT auth_method FROM pg_hba_file_rules
    WHERE type IN ('host', 'hostnossl') AND 'all' = ANY(database)
      AND ('all' = ANY(user_name) OR current_user = ANY(user_name))
      AND (address IN ('all', 'samehost') OR (address ~ '^[0-9.]+\$'
           AND '127.0.0.1'::inet & netmask::inet = address::inet & netmask::inet))
    ORDER BY line_number LIMIT 1")
  [ -n "$method" ] || die "the primary refuses replication connections: add '$line <method>' to $hba and reload it"
  [ -w "$hba" ] || die "the primary refuses replication connections and $hba is not writable: add '$line $method' and reload"
  say "allowing replication connections from 127.0.0.1: appending '$line $method' to $hba and reloading"
  printf '\n# %s: replication for a local streaming replica\n%s %s\n' "$MARK" "$line" "$method" >>"$hba"
  primary "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 20); do
    replication_allowed && return
    sleep 0.25
  done
  die "the primary still refuses replication connections after the reload; see $hba"
}

system_id() { as_postgres "$BIN/pg_controldata" "$1" | sed -n 's/^Database system identifier: *//p'; }

remove_data() {
  running && as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  rm -rf "$DATA" "$DATA.partial"
}

build() {
  local hba ident
  hba=$(primary "SHOW hba_file")
  ident=$(primary "SHOW ident_file")
  say "copying the primary into $DATA (pg_basebackup -R -X stream)"
  rm -rf "$DATA.partial"
  mkdir -p "$(dirname "$DATA")"
  mkdir -m 700 "$DATA.partial"
  own "$DATA.partial"
  as_postgres "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -w \
    -D "$DATA.partial" -R -X stream -c fast
  # Debian keeps a cluster's configuration in /etc, outside the data directory, so the copy has
  # none: give it its own port and socket, and the primary's access rules.
  cat >"$DATA.partial/postgresql.conf" <<EOF
# $MARK: a hot standby streaming from $PRIMARY_HOST:$PRIMARY_PORT.
# pg_basebackup -R put primary_conninfo in postgresql.auto.conf and created standby.signal.
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA'
cluster_name = 'claims_replica'
hot_standby = on
hot_standby_feedback = on
EOF
  cp "$hba" "$DATA.partial/pg_hba.conf"
  cp "$ident" "$DATA.partial/pg_ident.conf"
  own "$DATA.partial/postgresql.conf" "$DATA.partial/pg_hba.conf" "$DATA.partial/pg_ident.conf"
  mv "$DATA.partial" "$DATA"
}

launch() {
  say "starting it on 127.0.0.1:$REPLICA_PORT"
  if ! as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/replica.log" -w -t 60 start >/dev/null; then
    tail -n 20 "$DATA/replica.log" >&2 || true
    die "it did not start; the log is $DATA/replica.log"
  fi
}

streaming() { [ "$(replica "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; }

wait_streaming() {
  for _ in $(seq "$1"); do
    streaming && return 0
    sleep 0.5
  done
  return 1
}

report() {
  local lsn behind paused
  lsn=$(replica "SELECT pg_last_wal_replay_lsn()")
  behind=$(primary "SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn'))")
  paused=$(replica "SELECT CASE WHEN pg_is_wal_replay_paused() THEN ', replay paused' ELSE '' END")
  say "streaming from $PRIMARY_HOST:$PRIMARY_PORT on 127.0.0.1:$REPLICA_PORT, $behind behind$paused (data in $DATA)"
  say "tests:  export TEST_REPLICA_URL=postgres://$PRIMARY_USER@127.0.0.1:$REPLICA_PORT"
  say "app:    export DATABASE_REPLICA_URL=postgres://$PRIMARY_USER@127.0.0.1:$REPLICA_PORT/<database>"
}

start() {
  check_primary
  if running && streaming; then
    # The routing tests pause replay while they run; a run killed meanwhile leaves it paused.
    replica "SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()" >/dev/null
    report
    return
  fi
  allow_replication
  if [ -e "$DATA" ]; then
    ours || die "$DATA exists and is not a replica this script made; set REPLICA_DATA elsewhere"
    if [ "$(system_id "$DATA")" != "$(primary "SELECT system_identifier FROM pg_control_system()")" ]; then
      say "$DATA is a copy of another cluster; copying the primary again"
      remove_data
    fi
  fi
  local fresh=no
  if [ ! -f "$DATA/standby.signal" ]; then
    build
    fresh=yes
  fi
  running || launch
  if ! wait_streaming 60; then
    [ "$fresh" = no ] || die "it runs but does not stream; see $DATA/replica.log"
    say "it does not stream (the primary may no longer have the WAL it needs); copying the primary again"
    remove_data
    build
    launch
    wait_streaming 60 || die "it runs but does not stream; see $DATA/replica.log"
  fi
  report
}

stop() {
  if running; then
    say "stopping the replica in $DATA"
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  else
    say "not running"
  fi
}

status() {
  if ! running; then
    say "not running (data: $DATA)"
    return 3
  fi
  if ! streaming; then
    say "running on 127.0.0.1:$REPLICA_PORT but not streaming; see $DATA/replica.log"
    return 1
  fi
  report
}

destroy() {
  if [ -e "$DATA" ] && ! ours; then
    die "$DATA is not a replica this script made; leaving it"
  fi
  stop
  say "deleting $DATA"
  remove_data
}

find_bin
case "${1:-}" in
  start | stop | status | destroy) "$1" ;;
  *) die "usage: scripts/replica.sh start|status|stop|destroy" ;;
esac
