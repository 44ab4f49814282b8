#!/usr/bin/env bash
# `make cluster`: the production topology on one machine, on 127.0.0.1 only, then cluster/smoke.py against it.
#
#   nginx (TLS, 127.0.0.1:7280; 7281/7282 pinned to one node each)
#     -> gunicorn node 1 (127.0.0.1:7201) and node 2 (127.0.0.1:7202)
#   PostgreSQL 15 primary (7240) and a streaming replica made with pg_basebackup (7241)  [DATABASE_REPLICA_URL]
#   Redis (7260): broker, results and cache
#   Celery worker "a" (queues reports, default) and worker "b" (queues reports, mail), one beat,
#   the outbox relay (`manage.py relay_outbox`, when this branch has it)
#
# Every long-running process runs under a restart loop, as deploy/systemd does with Restart=always. Everything
# lives in a temporary directory and is torn down on exit, on failure and on Ctrl-C alike.
#
# Prerequisites (Debian 12, as root like the team's machines): postgresql-15 (its /usr/lib/postgresql/15/bin),
# redis-server, openssl, nginx (installed here with `apt-get install -y nginx-light` when missing), and the
# project's virtualenv (`make install`). Ports 7201-7202, 7240-7241, 7260 and 7280-7282 must be free.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PG_PRIMARY=7240 PG_REPLICA=7241 REDIS_PORT=7260 NODE1=7201 NODE2=7202 CLUSTER_NGINX=7280 CLUSTER_NGINX1=7281 CLUSTER_NGINX2=7282
UPLOAD_MAX_MB="${UPLOAD_MAX_MB:-20}"
RESTART_SEC=2

say() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# Prerequisites --------------------------------------------------------------------------------------------------
[ -x "$PY" ] || die "no virtualenv: run 'make install' first"
[ -x "$PGBIN/initdb" ] || die "PostgreSQL 15 server binaries missing: apt-get install -y postgresql-15"
command -v redis-server >/dev/null || die "redis-server missing: apt-get install -y redis-server"
command -v openssl >/dev/null || die "openssl missing: apt-get install -y openssl"
if ! command -v nginx >/dev/null; then
    say "nginx missing: apt-get install -y nginx-light"
    DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >/dev/null ||
        { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light >/dev/null; } ||
        die "could not install nginx"
    # The package may start a system nginx on port 80: this script owns nothing of it but must not leave it running.
    if [ -s /run/nginx.pid ]; then nginx -s quit 2>/dev/null || true; fi
fi
for port in $NODE1 $NODE2 $PG_PRIMARY $PG_REPLICA $REDIS_PORT $CLUSTER_NGINX $CLUSTER_NGINX1 $CLUSTER_NGINX2; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use"; fi
done
PGUSER_OS=postgres
if [ "$(id -u)" != 0 ]; then PGUSER_OS="$(id -un)"; fi
as_pg() { if [ "$(id -un)" = "$PGUSER_OS" ]; then "$@"; else runuser -u "$PGUSER_OS" -- "$@"; fi; }

# Workspace and teardown -----------------------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/sg-cluster.XXXXXX)"
chmod 755 "$WORK"
mkdir -p "$WORK/run" "$WORK/log" "$WORK/media" "$WORK/sock" "$WORK/nginx"
chown "$PGUSER_OS" "$WORK/sock"
chmod 1777 "$WORK/log"  # PostgreSQL writes its logs there as its own user
SUPERVISORS=()

teardown() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    say "tearing down"
    for pid in "${SUPERVISORS[@]}"; do kill "$pid" 2>/dev/null; done
    for pidfile in "$WORK"/run/*.pid; do
        [ -s "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    done
    sleep 2
    for pidfile in "$WORK"/run/*.pid; do
        [ -s "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    [ -s "$WORK/nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
    [ -f "$WORK/pg-replica/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg-replica" -m immediate -w stop >/dev/null
    [ -f "$WORK/pg-primary/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg-primary" -m immediate -w stop >/dev/null
    if [ "$status" != 0 ] && [ -z "${KEEP_LOGS:-}" ]; then
        say "logs of the failed run (last lines of each):"
        for log in "$WORK"/log/*.log; do printf '\n== %s\n' "$(basename "$log")"; tail -n 15 "$log"; done
    fi
    if [ -n "${KEEP_LOGS:-}" ]; then say "logs kept in $WORK/log"; rm -rf "$WORK/pg-primary" "$WORK/pg-replica" "$WORK/media"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# supervise NAME CMD...: run CMD in its own process group, start it again RESTART_SEC after it exits
# (systemd's Restart=always); the group leader's pid is kept in run/NAME.pid for the smoke test to kill.
supervise() {
    local name="$1"; shift
    (
        trap 'exit 0' TERM
        while :; do
            setsid "$@" >>"$WORK/log/$name.log" 2>&1 &
            echo $! >"$WORK/run/$name.pid"
            wait $! || true
            echo "$(date -u +%T) $name exited; restarting in ${RESTART_SEC}s" >>"$WORK/log/$name.log"
            echo "$(date -u +%T)" >>"$WORK/run/$name.restarts"
            sleep "$RESTART_SEC"
        done
    ) 2>>"$WORK/log/$name.log" &
    SUPERVISORS+=($!)
}

wait_port() {
    local port="$1" what="$2"
    for _ in $(seq 1 120); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    die "$what did not open port $port"
}

# PostgreSQL: a primary and a streaming replica ------------------------------------------------------------------
say "PostgreSQL primary on $PG_PRIMARY (initdb in $WORK)"
install -d -m 700 -o "$PGUSER_OS" "$WORK/pg-primary" "$WORK/pg-replica"
as_pg "$PGBIN/initdb" -D "$WORK/pg-primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/log/initdb.log"
PGOPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/sock -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c fsync=off -c full_page_writes=off"
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg-primary" -l "$WORK/log/pg-primary.log" -o "-p $PG_PRIMARY $PGOPTS" -w start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres studygroup
say "PostgreSQL replica on $PG_REPLICA (pg_basebackup -R, streaming)"
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PRIMARY" -U postgres -D "$WORK/pg-replica" -R -X stream -c fast
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg-replica" -l "$WORK/log/pg-replica.log" -o "-p $PG_REPLICA $PGOPTS" -w start >/dev/null

# Redis ----------------------------------------------------------------------------------------------------------
say "Redis on $REDIS_PORT"
supervise redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no
wait_port "$REDIS_PORT" redis

# The application's environment (the same variables as deploy/studygroup.env) -----------------------------------
# DIGEST_CHUNK=2 and 600 generated groups: the smoke's ~600 digests come in ~300 short tasks, so the job is still running
# when the smoke kills a worker (a chunk of 250 finished the whole job before the kill landed).
cat >"$WORK/env" <<EOF
SECRET_KEY=cluster-smoke-only-$(openssl rand -hex 24)
ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PRIMARY/studygroup
DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$PG_REPLICA/studygroup
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
MEDIA_ROOT=$WORK/media
STORAGE_BACKEND=local
UPLOAD_MAX_MB=$UPLOAD_MAX_MB
TRUSTED_PROXIES=127.0.0.1
USE_X_FORWARDED_PROTO=1
SECURE_HSTS_SECONDS=0
CELERY_VISIBILITY_TIMEOUT=180
SITE_URL=https://127.0.0.1:$CLUSTER_NGINX
LOG_LEVEL=WARNING
DIGEST_CHUNK=2
EOF
set -a; . "$WORK/env"; set +a
unset DEBUG
export CLUSTER_WORK="$WORK" CLUSTER_ROOT="$ROOT" PG_PRIMARY PG_REPLICA REDIS_PORT NODE1 NODE2 CLUSTER_NGINX CLUSTER_NGINX1 CLUSTER_NGINX2 RESTART_SEC
cd "$ROOT"

say "migrate, demo data, $((${CLUSTER_GROUPS:-600})) generated groups, collectstatic"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py seed_demo >"$WORK/log/seed.log"
"$PY" manage.py generate_load --groups "${CLUSTER_GROUPS:-600}" --years 1 >>"$WORK/log/seed.log"
"$PY" manage.py collectstatic --noinput -v0

# Web nodes, workers, beat, relay ---------------------------------------------------------------------------------
say "gunicorn nodes on $NODE1 and $NODE2"
for node in 1 2; do
    port=$([ $node = 1 ] && echo $NODE1 || echo $NODE2)
    supervise "web$node" "$ROOT/.venv/bin/gunicorn" studygroup.wsgi --bind "127.0.0.1:$port" --workers 2 \
        --timeout 30 --graceful-timeout 10 --forwarded-allow-ips 127.0.0.1 --access-logfile - --name "sg-web$node"
done
DEFAULT_QUEUE="$("$PY" -c 'from studygroup.celery import app; print(app.conf.task_default_queue)')"
# Without CELERY_TASK_ROUTES every task goes to Celery's own default queue ("celery"): both workers take it then.
queues() { case "$DEFAULT_QUEUE" in reports|mail|default) echo "$1" ;; *) echo "$1,$DEFAULT_QUEUE" ;; esac; }
say "Celery worker a ($(queues reports,default)), worker b ($(queues reports,mail)), one beat"
supervise worker-a "$ROOT/.venv/bin/celery" -A studygroup worker -n "a@%h" -Q "$(queues reports,default)" -c 1 -l info
supervise worker-b "$ROOT/.venv/bin/celery" -A studygroup worker -n "b@%h" -Q "$(queues reports,mail)" -c 1 -l info
supervise beat "$ROOT/.venv/bin/celery" -A studygroup beat -l info -s "$WORK/run/beat-schedule"
if "$PY" manage.py help relay_outbox >/dev/null 2>&1; then
    say "outbox relay"
    supervise relay "$PY" manage.py relay_outbox
    export CLUSTER_RELAY=1
else
    say "WARNING: 'manage.py relay_outbox' does not exist on this branch (it comes with the outbox work):"
    say "WARNING: the cluster runs without the outbox relay; the smoke test reports it as not run."
    export CLUSTER_RELAY=0
fi

# nginx: the site of deploy/nginx, on local ports with a throw-away certificate -----------------------------------
say "nginx on $CLUSTER_NGINX (both nodes), $CLUSTER_NGINX1 (node 1 only), $CLUSTER_NGINX2 (node 2 only)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" >/dev/null 2>&1
mkdir -p "$WORK/nginx/tmp"
chown -R www-data "$WORK/nginx/tmp" 2>/dev/null || chmod 777 "$WORK/nginx/tmp"
"$PY" "$ROOT/cluster/nginx_conf.py" >"$WORK/nginx/nginx.conf"
nginx -t -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >>"$WORK/log/nginx.log" 2>&1 || die "nginx refused its configuration"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
wait_port "$NODE1" "web node 1"
wait_port "$NODE2" "web node 2"
wait_port "$CLUSTER_NGINX" nginx

say "all up; running the smoke test"
"$PY" "$ROOT/cluster/smoke.py"
