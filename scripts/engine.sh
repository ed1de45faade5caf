#!/usr/bin/env bash
# Make sure the services a grading needs are present and running:
# a Docker engine (and, with --redis, a Redis server).
#
# Idempotent: a second run only checks. Installs with apt when run as root
# on Debian; otherwise says what is missing and stops. Services are started in
# the background with their logs under $GRADER_DATA_DIR/logs, because a fresh
# machine of this kind has no init system that would start them.
set -euo pipefail

DATA_DIR=${GRADER_DATA_DIR:-$(pwd)/.grader}
LOG_DIR="$DATA_DIR/logs"
WAIT_S=${ENGINE_WAIT_S:-60}
want_redis=0
want_gvisor=0
want_browser=0
for arg in "$@"; do
  case "$arg" in
    --redis) want_redis=1 ;;
    --gvisor) want_gvisor=1 ;;
    --browser) want_browser=1 ;;
    *) echo "engine.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { echo "[engine] $*"; }
die() { echo "[engine] $*" >&2; exit 1; }

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand."
  [ "$(id -u)" = 0 ] || die "$* missing; installing it needs root (run: sudo make engine)."
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  say "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for DESCRIPTION COMMAND...
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_S))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what did not come up within ${WAIT_S}s; see $LOG_DIR"
    sleep 0.5
  done
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then
    say "Docker engine: running"
    return
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  [ "$(id -u)" = 0 ] || die "the Docker engine is not running and starting it needs root."
  mkdir -p "$LOG_DIR"
  # A dockerd killed earlier leaves a stale pid file that blocks a new start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd (log: $LOG_DIR/dockerd.log)"
  nohup dockerd >"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  wait_for "the Docker engine" docker info
  say "Docker engine: started"
}

ensure_redis() {
  if redis-cli ping >/dev/null 2>&1; then
    say "Redis: running"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$LOG_DIR"
  say "starting redis-server on 127.0.0.1:6379 (log: $LOG_DIR/redis.log)"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes \
    --logfile "$LOG_DIR/redis.log" --dir "$DATA_DIR" --save "" --appendonly no
  wait_for "Redis" redis-cli ping
  say "Redis: started"
}

# gVisor: registered as the runtime "runsc" with its default platform (the KVM
# platform hangs on this kind of machine). runsc refuses to start a container in
# the root network namespace unless told there is no network.
ensure_gvisor() {
  command -v runsc >/dev/null || apt_install runsc
  local config=/etc/docker/daemon.json
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    say "gVisor: registered"
    return
  fi
  [ "$(id -u)" = 0 ] || die "registering gVisor with Docker needs root."
  python3 - "$config" "$(command -v runsc)" <<'PY'
import json, os, sys
path, runsc = sys.argv[1], sys.argv[2]
config = json.load(open(path)) if os.path.exists(path) else {}
config.setdefault("runtimes", {})["runsc"] = {"path": runsc, "runtimeArgs": ["--network=none"]}
os.makedirs(os.path.dirname(path), exist_ok=True)
json.dump(config, open(path, "w"), indent=2)
PY
  say "gVisor: registered in $config; reloading dockerd"
  kill -HUP "$(cat /var/run/docker.pid)"
  wait_for "gVisor's registration" sh -c "docker info --format '{{json .Runtimes}}' | grep -q runsc"
}

# Debian's Chromium, for the reviewer pages' browser tests (Playwright drives it;
# Playwright's own browser download does not work without the wider network).
ensure_browser() {
  if command -v chromium >/dev/null; then
    say "Chromium: installed"
    return
  fi
  apt_install chromium
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return
  apt_install debootstrap
}

ensure_docker
ensure_debootstrap
[ "$want_redis" = 1 ] && ensure_redis
[ "$want_gvisor" = 1 ] && ensure_gvisor
[ "$want_browser" = 1 ] && ensure_browser
exit 0
