#!/usr/bin/env bash
# Build, start and stop a real SeaweedFS S3 server on loopback (127.0.0.1)
# for development and tests.
#
#   seaweedfs.sh build             build the pinned weed binary (once) and print its path
#   seaweedfs.sh start STATE_DIR   start `weed server -s3` with its data under STATE_DIR,
#                                  wait until S3 answers, create the bucket
#   seaweedfs.sh stop STATE_DIR    stop it (TERM, then KILL), idempotent
#   seaweedfs.sh status STATE_DIR  exit 0 when it is running
#   seaweedfs.sh version           print the pinned SeaweedFS module version
#
# Settings (environment):
#   S3_PORT            S3 port on 127.0.0.1 (default 8333)
#   S3_ACCESS_KEY      access key (default simpul-dev)
#   S3_SECRET_KEY      secret key (default simpul-dev-secret)
#   S3_BUCKET          bucket created on start (default simpul)
#   S3_REGION          region used to sign requests (default us-east-1)
#   SIMPUL_CACHE_DIR   where built binaries are kept (default ~/.cache/simpul)
#   SEAWEEDFS_START_TIMEOUT  seconds to wait for S3 to answer (default 90)
#   SEAWEEDFS_STOP_TIMEOUT   seconds between TERM and KILL (default 5)
#   SEAWEEDFS_ARGS     extra flags for `weed server`, split on whitespace
#   GO                 go command (default: go on PATH, else /usr/local/go/bin/go)
#
# The internal ports (master, volume, filer, their gRPC ports and the S3 gRPC
# port) are picked free on the first start and saved in STATE_DIR/ports.env,
# so a restart of the same STATE_DIR uses the same ports and the same data.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$SCRIPT_DIR/seaweedfs"
MODULE_PATH="github.com/seaweedfs/seaweedfs"

S3_PORT="${S3_PORT:-8333}"
S3_ACCESS_KEY="${S3_ACCESS_KEY:-simpul-dev}"
S3_SECRET_KEY="${S3_SECRET_KEY:-simpul-dev-secret}"
S3_BUCKET="${S3_BUCKET:-simpul}"
S3_REGION="${S3_REGION:-us-east-1}"
START_TIMEOUT="${SEAWEEDFS_START_TIMEOUT:-90}"
STOP_TIMEOUT="${SEAWEEDFS_STOP_TIMEOUT:-5}"

log() { echo "seaweedfs.sh: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

go_cmd() {
    if [ -n "${GO:-}" ]; then
        echo "$GO"
    elif command -v go >/dev/null 2>&1; then
        command -v go
    elif [ -x /usr/local/go/bin/go ]; then
        echo /usr/local/go/bin/go
    else
        die "no go toolchain found (set GO=/path/to/go)"
    fi
}

seaweedfs_version() {
    local version
    version="$(awk -v mod="$MODULE_PATH" '
        { for (i = 1; i < NF; i++) if ($i == mod) { print $(i + 1); exit } }
    ' "$MODULE_DIR/go.mod")"
    [ -n "$version" ] || die "no pinned $MODULE_PATH version in $MODULE_DIR/go.mod"
    echo "$version"
}

binary_path() {
    echo "${SIMPUL_CACHE_DIR:-$HOME/.cache/simpul}/seaweedfs/$(seaweedfs_version)/weed"
}

cmd_build() {
    local bin dir tmp go started
    bin="$(binary_path)"
    dir="$(dirname "$bin")"
    if [ ! -x "$bin" ] && command -v flock >/dev/null 2>&1; then
        # One build at a time: a concurrent caller waits, then reuses it.
        mkdir -p "$dir"
        exec 9>"$dir/.build.lock"
        flock 9
    fi
    if [ ! -x "$bin" ]; then
        go="$(go_cmd)"
        mkdir -p "$dir"
        tmp="$(mktemp "$dir/weed.partial.XXXXXX")"
        # shellcheck disable=SC2064  # expand $tmp now
        trap "rm -f '$tmp'" EXIT
        log "building SeaweedFS $(seaweedfs_version) into $bin (first time only, takes minutes)"
        started=$SECONDS
        (
            cd "$MODULE_DIR"
            GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
                "$go" build -trimpath -ldflags "-s -w" -o "$tmp" "$MODULE_PATH/weed"
        ) >&2 || die "go build failed"
        chmod 0755 "$tmp"
        mv -f "$tmp" "$bin"
        trap - EXIT
        log "built in $((SECONDS - started)) s"
    fi
    echo "$bin"
}

# --- process state ----------------------------------------------------------

state_dir_arg() {
    # Absolute STATE_DIR; created when the second argument is "create".
    [ -n "${1:-}" ] || usage
    if [ "${2:-}" = create ]; then
        mkdir -p "$1"
    elif [ ! -d "$1" ]; then
        echo "$1"
        return 0
    fi
    (cd "$1" && pwd)
}

alive() {
    # kill -0 also succeeds for a zombie, which is dead for our purposes.
    kill -0 "$1" 2>/dev/null || return 1
    ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

running_pid() {
    # Prints the pid and returns 0 when STATE_DIR's weed process is alive.
    local state="$1" pid
    [ -f "$state/weed.pid" ] || return 1
    pid="$(cat "$state/weed.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    # Guard against pid reuse: the process must be our weed binary.
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-dir=$state/data" || return 1
    echo "$pid"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    # A port in 20000-31999 (below the Linux ephemeral range) that nothing
    # listens on and that is not in the list of ports given as arguments.
    local port tries=0
    while [ "$tries" -lt 200 ]; do
        tries=$((tries + 1))
        port=$((20000 + RANDOM % 12000))
        case " $* " in *" $port "*) continue ;; esac
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    die "no free port found"
}

load_ports() {
    # Reuses STATE_DIR/ports.env, or picks and saves new ports.
    local state="$1" file="$1/ports.env" name taken port ok=1
    local names="MASTER_PORT MASTER_GRPC_PORT VOLUME_PORT VOLUME_GRPC_PORT FILER_PORT"
    names="$names FILER_GRPC_PORT S3_GRPC_PORT"
    if [ -f "$file" ]; then
        # shellcheck disable=SC1090
        . "$file"
        for name in $names; do
            port="${!name:-}"
            if [ -z "$port" ] || [ "$port" = "$S3_PORT" ] || port_in_use "$port"; then
                ok=0
            fi
        done
        [ "$ok" = 1 ] && return 0
        log "saved ports in $file are not usable any more; picking new ones"
    fi
    taken="$S3_PORT"
    : >"$file.tmp"
    for name in $names; do
        # shellcheck disable=SC2086  # one argument per taken port
        port="$(pick_port $taken)"
        taken="$taken $port"
        printf -v "$name" '%s' "$port"
        echo "$name=$port" >>"$file.tmp"
    done
    mv -f "$file.tmp" "$file"
}

write_s3_config() (
    local file="$1/s3.json"
    case "$S3_ACCESS_KEY$S3_SECRET_KEY" in
        *[\"\\]*) die "S3_ACCESS_KEY and S3_SECRET_KEY must not contain quotes or backslashes" ;;
    esac
    umask 077
    cat >"$file.tmp" <<JSON
{
  "identities": [
    {
      "name": "simpul",
      "credentials": [
        {"accessKey": "$S3_ACCESS_KEY", "secretKey": "$S3_SECRET_KEY"}
      ],
      "actions": ["Admin", "Read", "List", "Tagging", "Write"]
    }
  ]
}
JSON
    mv -f "$file.tmp" "$file"
)

s3_curl() {
    # Signed (SigV4) request to the local S3 endpoint; prints the HTTP status.
    # s3_curl METHOD PATH [BODY_FILE]
    local method="$1" path="$2" body="${3:-}" args=(-X "$1") sha
    [ "$method" = HEAD ] && args=(--head)
    if [ -n "$body" ]; then
        # curl signs the payload hash only if it is sent as a header.
        sha="$(sha256sum "$body" | cut -d' ' -f1)"
        args+=(--data-binary "@$body" -H "x-amz-content-sha256: $sha"
            -H "Content-Type: application/octet-stream")
    fi
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${args[@]}" \
        --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
        "http://127.0.0.1:$S3_PORT$path" || true
}

fail_start() {
    local state="$1"
    log "$2"
    log "last lines of $state/weed.log:"
    tail -n 40 "$state/weed.log" >&2 || true
    cmd_stop "$state" >/dev/null 2>&1 || true
    exit 1
}

cmd_start() {
    local state bin pid deadline code
    state="$(state_dir_arg "${1:-}" create)"
    command -v curl >/dev/null 2>&1 || die "curl is required"

    if pid="$(running_pid "$state")"; then
        S3_PORT="$(cat "$state/s3.port" 2>/dev/null || echo "$S3_PORT")"
        log "already running (pid $pid, S3 port $S3_PORT)"
    else
        bin="$(cmd_build)"
        port_in_use "$S3_PORT" && die "port $S3_PORT on 127.0.0.1 is already in use"
        load_ports "$state"
        write_s3_config "$state"
        mkdir -p "$state/data"
        local args=(
            server -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.peers=none
            -dir="$state/data"
            -master.port="$MASTER_PORT" -master.port.grpc="$MASTER_GRPC_PORT"
            -master.volumeSizeLimitMB=256 -master.telemetry=false
            -volume.port="$VOLUME_PORT" -volume.port.grpc="$VOLUME_GRPC_PORT"
            -volume.max=0 -volume.preStopSeconds=1
            -filer -filer.port="$FILER_PORT" -filer.port.grpc="$FILER_GRPC_PORT"
            -s3 -s3.port="$S3_PORT" -s3.port.grpc="$S3_GRPC_PORT"
            -s3.port.iceberg=0 -s3.port.lance=0
            -s3.config="$state/s3.json"
        )
        if [ "${#state}" -le 80 ]; then
            # Unix socket paths are limited to about 100 bytes; weed's
            # defaults (/tmp/seaweedfs-*-PORT.sock) serve longer STATE_DIRs.
            args+=(-filer.localSocket="$state/filer.sock" -s3.localSocket="$state/s3.sock")
        fi
        # shellcheck disable=SC2206  # extra flags are split on whitespace
        args+=(${SEAWEEDFS_ARGS:-})
        echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) starting $bin ${args[*]}" >>"$state/weed.log"
        # weed reads master.toml, filer.toml, ... from its working directory:
        # run it in STATE_DIR so that files where the script is called from
        # cannot change its configuration.
        (cd "$state" && exec "$bin" "${args[@]}") </dev/null >>"$state/weed.log" 2>&1 &
        pid=$!
        echo "$pid" >"$state/weed.pid"
        echo "$S3_PORT" >"$state/s3.port"
    fi

    deadline=$((SECONDS + START_TIMEOUT))
    while :; do
        alive "$pid" || fail_start "$state" "weed exited during start"
        code="$(s3_curl GET /)"
        [ "$code" = 200 ] && break
        [ "$SECONDS" -ge "$deadline" ] &&
            fail_start "$state" "S3 did not answer on 127.0.0.1:$S3_PORT within ${START_TIMEOUT}s (last HTTP status: $code)"
        sleep 0.5
    done

    while :; do
        code="$(s3_curl HEAD "/$S3_BUCKET")"
        [ "$code" = 200 ] && break
        if [ "$code" = 404 ]; then
            code="$(s3_curl PUT "/$S3_BUCKET")"
            [ "$code" = 200 ] && break
        fi
        [ "$SECONDS" -ge "$deadline" ] &&
            fail_start "$state" "could not create bucket $S3_BUCKET (last HTTP status: $code)"
        sleep 0.5
    done
    # SeaweedFS answers reads before it can store data (the filer joins the
    # lock ring and the master allocates volumes a few seconds later), so a
    # write decides readiness: the first upload of a caller must not stall.
    local probe="$state/start-probe.bin" key="/$S3_BUCKET/.seaweedfs-start-probe"
    head -c 65536 /dev/zero | tr '\0' 'x' >"$probe"
    while :; do
        code="$(s3_curl PUT "$key" "$probe")"
        [ "$code" = 200 ] && break
        [ "$SECONDS" -ge "$deadline" ] &&
            fail_start "$state" "S3 did not accept a write within ${START_TIMEOUT}s (last HTTP status: $code)"
        sleep 0.5
    done
    s3_curl DELETE "$key" >/dev/null
    rm -f "$probe"
    log "S3 ready at http://127.0.0.1:$S3_PORT (bucket $S3_BUCKET, pid $pid)"
}

cmd_stop() {
    local state pid waited=0
    state="$(state_dir_arg "${1:-}")"
    if pid="$(running_pid "$state")"; then
        kill -TERM "$pid" 2>/dev/null || true
        while alive "$pid"; do
            if [ "$waited" -ge $((STOP_TIMEOUT * 10)) ]; then
                log "weed (pid $pid) ignored TERM for ${STOP_TIMEOUT}s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
        # Reap the KILLed process's exit before returning.
        while alive "$pid"; do sleep 0.1; done
    fi
    rm -f "$state/weed.pid"
    remove_grpc_sockets "$state"
}

remove_grpc_sockets() (
    # weed puts its gRPC unix sockets in /tmp, named by port; remove ours.
    [ -f "$1/ports.env" ] || exit 0
    # shellcheck disable=SC1091
    . "$1/ports.env"
    rm -f "/tmp/seaweedfs-master-grpc-${MASTER_GRPC_PORT:-x}.sock" \
        "/tmp/seaweedfs-volume-grpc-${VOLUME_GRPC_PORT:-x}.sock" \
        "/tmp/seaweedfs-filer-grpc-${FILER_GRPC_PORT:-x}.sock" \
        "/tmp/seaweedfs-s3-grpc-${S3_GRPC_PORT:-x}.sock" \
        "$1/filer.sock" "$1/s3.sock"
    if [ "${#1}" -gt 80 ]; then
        rm -f "/tmp/seaweedfs-filer-${FILER_PORT:-x}.sock" \
            "/tmp/seaweedfs-s3-$(cat "$1/s3.port" 2>/dev/null || echo x).sock"
    fi
)

cmd_status() {
    local state pid
    state="$(state_dir_arg "${1:-}")"
    if pid="$(running_pid "$state")"; then
        echo "running (pid $pid, S3 on 127.0.0.1:$(cat "$state/s3.port" 2>/dev/null))"
        return 0
    fi
    echo "stopped"
    return 1
}

case "${1:-}" in
    build) cmd_build ;;
    version) seaweedfs_version ;;
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    status) cmd_status "${2:-}" ;;
    *) usage ;;
esac
