# shellcheck shell=bash
# Throwaway PostgreSQL cluster for the tests, without systemd (see shared/components.md §1, §6).
# Source this file, then:
#   pg_test_up    starts a private cluster (initdb + pg_ctl, as the postgres user when root)
#                 on 127.0.0.1 and a free port, creates database goaltrack_test, and exports
#                 GOALTRACK_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/goaltrack_test
#                 and PGTEST_DIR / PGTEST_PORT / PGTEST_BIN
#   pg_test_down  stops that server (pg_ctl acts on its own postmaster.pid) and deletes its dir
# Nothing here touches the image's own cluster (/var/lib/postgresql/*/main) or port 5432.

pg_test_bindir() {
  local d
  if [ -n "${GOALTRACK_PG_BINDIR:-}" ] && [ -x "$GOALTRACK_PG_BINDIR/pg_ctl" ]; then
    echo "$GOALTRACK_PG_BINDIR"; return 0
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ] && echo "$d"
}

pg_test_as_pg() {  # initdb/pg_ctl refuse to run as root; cd / avoids "could not change directory"
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_test_up() {
  PGTEST_BIN=$(pg_test_bindir) || { echo "pg_test_up: no PostgreSQL server binaries" >&2; return 1; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  PGTEST_DIR=$(mktemp -d /tmp/gt-pg.XXXXXX)          # short path: unix socket limit ~107 chars
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PGTEST_DIR"; fi
  PGTEST_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export PGTEST_DIR PGTEST_PORT PGTEST_BIN
  pg_test_as_pg "$PGTEST_BIN/initdb" -D "$PGTEST_DIR/data" -U postgres --auth=trust \
      -E UTF8 --no-locale >"$PGTEST_DIR/initdb.log" 2>&1 \
    || { cat "$PGTEST_DIR/initdb.log" >&2; return 1; }
  pg_test_as_pg "$PGTEST_BIN/pg_ctl" -D "$PGTEST_DIR/data" -l "$PGTEST_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PGTEST_PORT -k $PGTEST_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null \
    || { cat "$PGTEST_DIR/server.log" >&2; return 1; }
  pg_test_as_pg "$PGTEST_BIN/createdb" -h 127.0.0.1 -p "$PGTEST_PORT" -U postgres goaltrack_test || return 1
  export GOALTRACK_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGTEST_PORT/goaltrack_test"
}

pg_test_down() {
  [ -n "${PGTEST_DIR:-}" ] || return 0
  if [ -f "$PGTEST_DIR/data/postmaster.pid" ]; then
    pg_test_as_pg "$PGTEST_BIN/pg_ctl" -D "$PGTEST_DIR/data" -m fast -w -t 30 stop >/dev/null || true
  fi
  rm -rf "$PGTEST_DIR"
  unset PGTEST_DIR GOALTRACK_TEST_PG_URL
}
