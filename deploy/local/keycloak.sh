#!/usr/bin/env bash
# Fetch, start, stop and inspect a real Keycloak server on loopback for development and tests.
#
#   deploy/local/keycloak.sh fetch              download + unpack the pinned distribution; prints
#                                               the install dir (idempotent)
#   deploy/local/keycloak.sh start STATE_DIR    start (dev mode, 127.0.0.1 only) and wait until ready
#   deploy/local/keycloak.sh stop STATE_DIR     stop (TERM, then KILL); idempotent
#   deploy/local/keycloak.sh status STATE_DIR   exit 0 and print the URL when running, else exit 3
#
# Settings (environment):
#   SIMPUL_CACHE_DIR          cache root (default ~/.cache/simpul); the server lives in
#                             $SIMPUL_CACHE_DIR/keycloak/<version>/
#   KEYCLOAK_JAVA_HOME        JDK (>= 21) to run Keycloak with; default: the newest JDK >= 21
#                             under /usr/lib/jvm (temurin-25 preferred)
#   KEYCLOAK_PORT             HTTP port (default 8180, or the port this STATE_DIR last used)
#   KEYCLOAK_MANAGEMENT_PORT  management port serving /health (default 9180, or last used)
#   KEYCLOAK_ADMIN_USER       bootstrap admin of the master realm (default admin); only applied
#   KEYCLOAK_ADMIN_PASSWORD   when STATE_DIR is new (default admin-dev)
#   KEYCLOAK_REALM_FILE       realm to import when absent (default deploy/keycloak/realm.json)
#   KEYCLOAK_START_TIMEOUT    seconds to wait for readiness (default 180)
#   JAVA_OPTS_KC_HEAP         JVM heap/JIT flags (default tuned for a small dev/CI box)
#
# STATE_DIR keeps everything that changes: the H2 database (so a restart keeps the realm, its
# clients and users), keycloak.pid, keycloak.log and keycloak.env (the URL and ports in use).
set -euo pipefail

KC_VERSION="26.7.3"
KC_REALM="simpul"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_ROOT="${SIMPUL_CACHE_DIR:-$HOME/.cache/simpul}"
KC_CACHE="$CACHE_ROOT/keycloak"
KC_INSTALL="$KC_CACHE/$KC_VERSION"

die() {
    echo "keycloak.sh: $*" >&2
    exit 1
}

# --- Java -------------------------------------------------------------------------------------

java_major() {
    # Prints the major version of the JDK at $1, or nothing when it is not a usable JDK.
    local home="$1" version
    [ -x "$home/bin/java" ] || return 0
    if [ -f "$home/release" ]; then
        version="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
    fi
    if [ -z "${version:-}" ]; then
        version="$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')"
    fi
    version="${version#1.}"
    echo "${version%%[.+-]*}"
}

find_java_home() {
    # Prints a JDK home with Java >= 21, or fails with a one-line message.
    local candidate major best="" best_major=0
    if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then
        major="$(java_major "$KEYCLOAK_JAVA_HOME")"
        if [ -n "$major" ] && [ "$major" -ge 21 ]; then
            echo "$KEYCLOAK_JAVA_HOME"
            return 0
        fi
        die "KEYCLOAK_JAVA_HOME=$KEYCLOAK_JAVA_HOME is not a JDK >= 21 (Keycloak $KC_VERSION needs Java 21+)"
    fi
    candidate="/usr/lib/jvm/temurin-25-jdk-amd64"
    major="$(java_major "$candidate")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
        echo "$candidate"
        return 0
    fi
    for candidate in /usr/lib/jvm/*/; do
        candidate="${candidate%/}"
        major="$(java_major "$candidate")"
        if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
            best="$candidate"
            best_major="$major"
        fi
    done
    [ -n "$best" ] || die "no JDK >= 21 found (set KEYCLOAK_JAVA_HOME); Keycloak $KC_VERSION needs Java 21+"
    echo "$best"
}

# --- fetch ------------------------------------------------------------------------------------

fetch() {
    # Ensures $KC_INSTALL holds the unpacked distribution; safe to run concurrently.
    if [ -x "$KC_INSTALL/bin/kc.sh" ]; then
        return 0
    fi
    command -v mvn >/dev/null 2>&1 || die "mvn (Maven 3.8+) is required to fetch Keycloak"
    mkdir -p "$KC_CACHE"
    (
        flock 8
        if [ -x "$KC_INSTALL/bin/kc.sh" ]; then
            exit 0
        fi
        local dist="$KC_CACHE/dist" zip tmp
        zip="$dist/keycloak-quarkus-dist-$KC_VERSION.zip"
        if [ ! -s "$zip" ]; then
            echo "keycloak.sh: fetching org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" >&2
            mvn -B -q -Dstyle.color=never -f "$SCRIPT_DIR/keycloak/pom.xml" dependency:copy \
                -Dkeycloak.version="$KC_VERSION" -Dkeycloak.outputDirectory="$dist" >&2 \
                || die "Maven could not fetch keycloak-quarkus-dist $KC_VERSION"
        fi
        [ -s "$zip" ] || die "Maven finished but $zip is missing"
        tmp="$(mktemp -d "$KC_CACHE/.unpack.XXXXXX")"
        if command -v unzip >/dev/null 2>&1; then
            unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "cannot unzip $zip"; }
        else
            python3 -m zipfile -e "$zip" "$tmp" || { rm -rf "$tmp"; die "cannot unzip $zip"; }
            chmod +x "$tmp/keycloak-$KC_VERSION"/bin/*.sh
        fi
        [ -x "$tmp/keycloak-$KC_VERSION/bin/kc.sh" ] \
            || { rm -rf "$tmp"; die "unexpected layout in $zip"; }
        mv "$tmp/keycloak-$KC_VERSION" "$KC_INSTALL"
        rm -rf "$tmp"
        # The archive stays in the local Maven repository; no need for a second copy.
        rm -f "$zip"
    ) 8>"$KC_CACHE/.fetch.lock"
}

# --- state helpers ----------------------------------------------------------------------------

abs_dir() {
    mkdir -p "$1"
    (cd "$1" && pwd)
}

read_pid() {
    # Prints the pid recorded in STATE_DIR when that process is our Keycloak and still alive.
    local state="$1" pid
    [ -f "$state/keycloak.pid" ] || return 0
    pid="$(cat "$state/keycloak.pid" 2>/dev/null || true)"
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    if kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dkc.home.dir=$state/home"; then
        echo "$pid"
    fi
}

group_alive() {
    kill -0 -- "-$1" 2>/dev/null
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_ok() {
    curl -fsS -o /dev/null --max-time 3 "$1" 2>/dev/null
}

load_saved_ports() {
    # Sets SAVED_PORT / SAVED_MGMT_PORT from STATE_DIR/keycloak.env when present.
    SAVED_PORT=""
    SAVED_MGMT_PORT=""
    if [ -f "$1/keycloak.env" ]; then
        SAVED_PORT="$(sed -n 's/^KEYCLOAK_PORT=//p' "$1/keycloak.env")"
        SAVED_MGMT_PORT="$(sed -n 's/^KEYCLOAK_MANAGEMENT_PORT=//p' "$1/keycloak.env")"
    fi
}

wait_ready() {
    # Waits until health/ready and the realm's discovery document answer; fails with the log tail.
    local state="$1" pid="$2" port="$3" mgmt="$4" timeout="$5" started="$SECONDS"
    while :; do
        if http_ok "http://127.0.0.1:$mgmt/health/ready" \
            && http_ok "http://127.0.0.1:$port/realms/$KC_REALM/.well-known/openid-configuration"; then
            return 0
        fi
        if ! group_alive "$pid"; then
            echo "keycloak.sh: Keycloak exited during startup; last log lines:" >&2
            tail -n 60 "$state/keycloak.log" >&2 || true
            rm -f "$state/keycloak.pid"
            exit 1
        fi
        if [ $((SECONDS - started)) -ge "$timeout" ]; then
            echo "keycloak.sh: Keycloak not ready after ${timeout}s; last log lines:" >&2
            tail -n 60 "$state/keycloak.log" >&2 || true
            stop_server "$state" >/dev/null 2>&1 || true
            exit 1
        fi
        sleep 1
    done
}

# --- start / stop / status --------------------------------------------------------------------

start_server() {
    local state pid port mgmt url java_home realm_file timeout home d p
    state="$(abs_dir "$1")"
    load_saved_ports "$state"
    port="${KEYCLOAK_PORT:-${SAVED_PORT:-8180}}"
    mgmt="${KEYCLOAK_MANAGEMENT_PORT:-${SAVED_MGMT_PORT:-9180}}"
    timeout="${KEYCLOAK_START_TIMEOUT:-180}"
    realm_file="${KEYCLOAK_REALM_FILE:-$REPO_ROOT/deploy/keycloak/realm.json}"
    url="http://127.0.0.1:$port"

    pid="$(read_pid "$state")"
    if [ -n "$pid" ]; then
        load_saved_ports "$state"
        wait_ready "$state" "$pid" "${SAVED_PORT:-$port}" "${SAVED_MGMT_PORT:-$mgmt}" "$timeout"
        echo "keycloak.sh: already running (pid $pid) at http://127.0.0.1:${SAVED_PORT:-$port}" >&2
        echo "http://127.0.0.1:${SAVED_PORT:-$port}"
        return 0
    fi
    rm -f "$state/keycloak.pid"

    [ -f "$realm_file" ] || die "realm file not found: $realm_file"
    java_home="$(find_java_home)"
    fetch

    # The first start-dev on a fresh install (or after the build options below change) rewrites
    # the install's lib/quarkus first, which takes a minute or more: allow for it.
    local build_sig="start-dev health-enabled=true"
    if [ "$(cat "$KC_INSTALL/.simpul-built" 2>/dev/null || true)" != "$build_sig" ]; then
        timeout=$((timeout + 240))
    fi

    for p in "$port" "$mgmt"; do
        port_in_use "$p" && die "port $p on 127.0.0.1 is already in use"
    done

    # A private Keycloak home: the shared, read-mostly distribution is linked in; data/ (H2
    # database, realm import, transaction logs, temp files) stays in STATE_DIR.
    home="$state/home"
    mkdir -p "$home/data/import"
    for d in bin conf lib providers themes; do
        ln -sfn "$KC_INSTALL/$d" "$home/$d"
    done
    cp "$realm_file" "$home/data/import/$KC_REALM-realm.json"

    {
        echo "KEYCLOAK_URL=$url"
        echo "KEYCLOAK_PORT=$port"
        echo "KEYCLOAK_MANAGEMENT_PORT=$mgmt"
        echo "KEYCLOAK_REALM=$KC_REALM"
        echo "KEYCLOAK_ISSUER=$url/realms/$KC_REALM"
    } >"$state/keycloak.env"

    export JAVA_HOME="$java_home"
    export JAVA_OPTS_KC_HEAP="${JAVA_OPTS_KC_HEAP:--Xms256m -Xmx1g -XX:TieredStopAtLevel=1 -XX:+UseStringDeduplication}"
    export KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}"
    export KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin-dev}"

    # start-dev may re-augment the shared distribution the first time (it rewrites lib/quarkus),
    # so starts that share one install are serialized until the server is up.
    mkdir -p "$KC_CACHE"
    exec 9>"$KC_CACHE/.start-$KC_VERSION.lock"
    flock 9

    echo "=== keycloak.sh start $(date -u +%Y-%m-%dT%H:%M:%SZ) port=$port management=$mgmt" \
        >>"$state/keycloak.log"
    setsid "$KC_INSTALL/bin/kc.sh" "-Dkc.home.dir=$home" start-dev \
        --http-host=127.0.0.1 \
        --http-port="$port" \
        --http-management-port="$mgmt" \
        --hostname="$url" \
        --health-enabled=true \
        --import-realm \
        </dev/null >>"$state/keycloak.log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$state/keycloak.pid"

    wait_ready "$state" "$pid" "$port" "$mgmt" "$timeout"
    echo "$build_sig" >"$KC_INSTALL/.simpul-built"
    flock -u 9
    exec 9>&-
    echo "keycloak.sh: Keycloak $KC_VERSION ready at $url (pid $pid, ${SECONDS}s)" >&2
    echo "$url"
}

stop_server() {
    local state pid
    state="$(abs_dir "$1")"
    pid="$(read_pid "$state")"
    if [ -z "$pid" ]; then
        rm -f "$state/keycloak.pid"
        echo "keycloak.sh: not running" >&2
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        group_alive "$pid" || break
        sleep 0.2
    done
    if group_alive "$pid"; then
        echo "keycloak.sh: still running after 20s, sending KILL" >&2
        kill -KILL -- "-$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            group_alive "$pid" || break
            sleep 0.1
        done
    fi
    rm -f "$state/keycloak.pid"
    echo "keycloak.sh: stopped" >&2
}

status_server() {
    local state pid
    state="$(abs_dir "$1")"
    pid="$(read_pid "$state")"
    if [ -z "$pid" ]; then
        echo "stopped"
        return 3
    fi
    load_saved_ports "$state"
    if http_ok "http://127.0.0.1:${SAVED_MGMT_PORT}/health/ready"; then
        echo "running pid=$pid url=http://127.0.0.1:${SAVED_PORT} ready"
    else
        echo "running pid=$pid url=http://127.0.0.1:${SAVED_PORT} starting"
    fi
}

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

cmd="${1:-}"
case "$cmd" in
    fetch)
        find_java_home >/dev/null
        fetch
        echo "$KC_INSTALL"
        ;;
    start)
        [ $# -eq 2 ] || usage
        start_server "$2"
        ;;
    stop)
        [ $# -eq 2 ] || usage
        stop_server "$2"
        ;;
    status)
        [ $# -eq 2 ] || usage
        status_server "$2"
        ;;
    *)
        usage
        ;;
esac
