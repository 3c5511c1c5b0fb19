#!/usr/bin/env bash
# Builds the container image ./Dockerfile describes without a Docker engine or a registry pull, then
# runs it and checks it. Needs root (debootstrap, buildah, podman) and the Debian mirror this
# machine's apt uses. Idempotent: the base root filesystem is made once (.cache/image/).
#
#   scripts/build-image.sh              build localhost/auditrelay:<version>, run it, check it
#   scripts/build-image.sh --no-run     build only
#   scripts/build-image.sh --route R    run the checks with R = podman | chroot (default: podman,
#                                       falling back to chroot when podman cannot start a container)
#
# 1. Base: `debootstrap --variant=minbase bookworm` from the configured mirror, trimmed the way
#    debian:bookworm-slim is (dpkg path excludes for docs, man pages and locales), imported as
#    localhost/auditrelay-base:bookworm-minbase. It stands in for `FROM debian:bookworm-slim`.
# 2. Build stage: the same Swift toolchain and flags as the Dockerfile's build stage
#    (`swift build -c release --static-swift-stdlib --product auditrelay`, `strip --strip-debug`,
#    swift-backtrace, resource bundles, Config/container.yaml) into a staging directory.
# 3. Runtime stage: the Dockerfile's own runtime stage, text unchanged, built by `buildah bud`
#    (its apt-get install, groupadd/useradd 10001, COPY, ENV, VOLUME, USER, HEALTHCHECK,
#    ENTRYPOINT), with the staging directory as its build stage and the base above as RUNTIME_IMAGE.
# 4. Run: read-only root, uid 10001, a config and a spool volume; checks /healthz, the process uid,
#    that a write outside the volume fails, and that SIGTERM exits 0 promptly with the spool intact.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"

say() { echo "build-image: $*" >&2; }
fail() { echo "build-image: error: $*" >&2; exit 1; }

run_checks=true route=auto
while (($#)); do
    case "$1" in
        --no-run) run_checks=false ;;
        --route) route="${2:?--route needs podman or chroot}"; shift ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) fail "unknown argument '$1' (see scripts/build-image.sh --help)" ;;
    esac
    shift
done
[[ "$route" == auto || "$route" == podman || "$route" == chroot ]] || fail "--route must be podman or chroot, not '$route'"
(($(id -u) == 0)) || fail "needs root: debootstrap, buildah and podman (rootful) build and run the image"

version="$(sed -n 's/^ARG VERSION=//p' Dockerfile)"
[[ -n "$version" ]] || fail "Dockerfile has no 'ARG VERSION=' default"
image="localhost/auditrelay:$version"
base_image="localhost/auditrelay-base:bookworm-minbase"
cache="$repo_root/.cache/image"
mkdir -p "$cache"

# --- Tools -----------------------------------------------------------------------------------
scripts/install-deps.sh
missing=()
for package in debootstrap buildah podman runc; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 1. Base root filesystem -----------------------------------------------------------------
# The mirror apt on this machine uses for bookworm (deb822 `URIs:` or a one-line `deb` entry).
configured_mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$file" ]] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             /(^|\n)Suites:[^\n]*bookworm( |\n|$)/ && !/debian-security/ {
                 for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, uri, " "); print uri[2]; exit } }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$file" ]] && awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' "$file"
    done
    return 0
}
mirror="$(configured_mirror | head -n 1)"
[[ -n "$mirror" ]] || fail "no bookworm mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources"

rootfs="$cache/bookworm-minbase"
if [[ ! -f "$rootfs.debootstrapped" ]]; then
    say "debootstrap --variant=minbase bookworm from $mirror (once; a few minutes)"
    rm -rf "$rootfs" "$rootfs.done"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        fail "debootstrap failed; see $cache/debootstrap.log"
    touch "$rootfs.debootstrapped"
fi
if [[ ! -f "$rootfs.done" ]]; then
    # What debian:bookworm-slim does on top of a minbase debootstrap (debuerreotype's slimify):
    # dpkg never installs documentation, man pages or translations, and what is there goes.
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    # ...and apt keeps no package caches or downloaded .debs, nor translations (debian:bookworm-slim's
    # /etc/apt/apt.conf.d/docker-* files; without them one `apt-get update` leaves ~75 MB of
    # /var/cache/apt/*.bin in the layer).
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{groff,info,linda,locale,man}/* "$rootfs"/usr/share/lintian/overrides/*
    # apt sources as the image will see them: the same mirror for bookworm and bookworm-updates,
    # and the security archive (as debian:bookworm-slim has them).
    security="$(awk 'BEGIN { RS = ""; FS = "\n" } /debian-security/ { for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, uri, " "); print uri[2]; exit } }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 || true)"
    rm -f "$rootfs/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
        printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "${security:-http://deb.debian.org/debian-security}"
    } >"$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    touch "$rootfs.done"
    podman image rm -f "$base_image" >/dev/null 2>&1 || true
fi
if ! podman image exists "$base_image"; then
    say "importing $rootfs as $base_image"
    # /dev, /proc and /sys are the runtime's to provide.
    tar -C "$rootfs" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
        podman import --quiet --change 'CMD ["bash"]' - "$base_image" >/dev/null
fi

# --- 2. Build stage: the Dockerfile's build-stage steps, with this machine's Swift toolchain ---
# The same command as scripts/demo.sh's build, so the demo's binary is the one the image ships.
say "swift build -c release --static-swift-stdlib --product auditrelay"
swift build -c release --static-swift-stdlib --product auditrelay >&2
bin_dir="$(swift build -c release --static-swift-stdlib --show-bin-path)"
swift_root="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"  # usr/bin/swift -> the toolchain root
context="$cache/context"
rm -rf "$context"
mkdir -p "$context/staging/usr/local/bin" "$context/staging/etc/auditrelay"
cp "$bin_dir/auditrelay" "$context/staging/usr/local/bin/auditrelay"
strip --strip-debug "$context/staging/usr/local/bin/auditrelay"
cp "$swift_root/usr/libexec/swift/linux/swift-backtrace-static" "$context/staging/usr/local/bin/swift-backtrace"
find -L "$bin_dir/" -maxdepth 1 -name '*.resources' -exec cp -Ra {} "$context/staging/usr/local/bin/" \;
cp Config/container.yaml "$context/staging/etc/auditrelay/auditrelay.yaml"

# --- 3. Runtime stage: the Dockerfile's text from its last FROM on --------------------------
runtime_stage="$(awk '/^FROM / { start = NR } { line[NR] = $0 } END { for (i = start; i <= NR; i++) print line[i] }' Dockerfile)"
[[ "$runtime_stage" == "FROM \${RUNTIME_IMAGE}"* ]] || fail "the Dockerfile's last stage does not start with FROM \${RUNTIME_IMAGE}"
{
    echo "# Generated by scripts/build-image.sh: the Dockerfile's runtime stage after a build stage"
    echo "# made of the host-built staging directory."
    grep -E '^ARG RUNTIME_IMAGE=' Dockerfile
    echo "FROM scratch AS build"
    echo "COPY staging/ /staging/"
    echo
    echo "$runtime_stage"
} >"$context/Containerfile"
say "buildah bud: the Dockerfile's runtime stage on $base_image"
previous_id="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
# --isolation chroot: RUN steps need no OCI runtime (see the podman flags below); --format docker
# keeps HEALTHCHECK, which the OCI image format has no field for.
buildah bud --quiet --format docker --isolation chroot --network host --layers=false \
    --build-arg "RUNTIME_IMAGE=$base_image" \
    --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    -f "$context/Containerfile" -t "$image" "$context" >"$cache/bud.log" 2>&1 ||
    { tail -n 30 "$cache/bud.log" >&2; fail "buildah bud failed; see $cache/bud.log"; }
size_bytes="$(podman image inspect --format '{{.Size}}' "$image")"
# A rebuild replaces the tag; the image it leaves untagged goes (unless a container still uses it).
if [[ -n "$previous_id" && "$previous_id" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman image rm "$previous_id" >/dev/null 2>&1 || true
fi
say "built $image: $(podman images --format '{{.Size}}' "$image") uncompressed ($size_bytes bytes; podman images)"

$run_checks || exit 0

# --- 4. Run it and check it ------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/auditrelay-image.XXXXXX")"
chmod 755 "$work"  # uid 10001 reads the config from here on the chroot route
container="" chroot_pid="" mounted_image=""
cleanup() {
    local status=$?
    [[ -n "$container" ]] && podman rm -f "$container" >/dev/null 2>&1
    if [[ -n "$chroot_pid" ]] && kill -0 "$chroot_pid" 2>/dev/null; then kill -KILL "$chroot_pid" 2>/dev/null || true; fi
    [[ -n "$mounted_image" ]] && podman image unmount "$image" >/dev/null 2>&1
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

# The volume: the EMM samples to replay (read-only for uid 10001), the spool, the file sink's output.
volume="$work/volume"
mkdir -p "$work/config" "$volume/samples"
cp Tests/NormalizersTests/Fixtures/emm/*.jsonl "$volume/samples/"
chown 10001:10001 "$volume"
expected_records="$(cat "$volume"/samples/*.jsonl | grep -c .)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/config/auditrelay.yaml" <<EOF
# scripts/build-image.sh's check: the EMM samples replayed into a file on the volume.
workspaceID: image-check
sources:
  - {id: samples, type: replay, path: /var/lib/auditrelay/samples, format: emm}
sinks:
  - {type: file, path: /var/lib/auditrelay/records.jsonl}
spool:
  dir: /var/lib/auditrelay/spool
  maxBytes: 64MiB
http:
  listen: 127.0.0.1:$port
EOF

# podman's options for this machine: none where it runs containers as is. In a sandbox without
# CAP_SYS_RESOURCE, podman's default rlimits (nofile, nproc) are above the hard limits and crun
# refuses hybrid cgroup v1/v2 hosts: runc with rlimits within the hard limits works there.
podman_global=() podman_run=()
podman_works() {
    podman "${podman_global[@]}" run --rm "${podman_run[@]}" --network none "$image" version >/dev/null 2>"$work/podman-probe.log"
}
if [[ "$route" != chroot ]]; then
    if ! podman_works; then
        say "podman with its defaults: $(tail -n 1 "$work/podman-probe.log")"
        podman_global=(--runtime runc)
        podman_run=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
        if podman_works; then
            say "podman runs it with ${podman_global[*]} ${podman_run[*]}"
        elif [[ "$route" == podman ]]; then
            fail "podman cannot run a container here: $(tail -n 1 "$work/podman-probe.log")"
        else
            say "podman cannot run a container here ($(tail -n 1 "$work/podman-probe.log")); using the chroot route"
            route=chroot
        fi
    fi
    [[ "$route" == auto ]] && route=podman
fi

wait_healthz() {
    for _ in $(seq 300); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" == 200 ]] && return 0
        "$@" || fail "auditrelay exited before /healthz answered"
        sleep 0.1
    done
    fail "/healthz did not answer 200 within 30 s"
}
record_count() { if [[ -f "$volume/records.jsonl" ]]; then grep -c . "$volume/records.jsonl" || true; else echo 0; fi; }
wait_records() {
    for _ in $(seq 300); do
        (($(record_count) >= expected_records)) && return 0
        sleep 0.1
    done
    fail "the file sink holds $(record_count) of $expected_records records after 30 s"
}

say "route: $route"
if [[ "$route" == podman ]]; then
    container="auditrelay-image-check-$$"
    podman "${podman_global[@]}" run -d "${podman_run[@]}" --name "$container" --read-only --user 10001:10001 --network host \
        -e "HEALTHCHECK_PORT=$port" -v "$work/config:/etc/auditrelay:ro" -v "$volume:/var/lib/auditrelay" \
        "$image" >/dev/null 2>"$work/podman-run.log" || fail "podman run failed: $(tail -n 3 "$work/podman-run.log")"
    container_running() { [[ "$(podman inspect --format '{{.State.Running}}' "$container" 2>/dev/null)" == true ]]; }
    wait_healthz container_running
    # The image's own HEALTHCHECK (bash /dev/tcp, inside the container) must report healthy too.
    podman "${podman_global[@]}" healthcheck run "$container" >/dev/null 2>"$work/healthcheck.err" ||
        fail "the image's HEALTHCHECK reports unhealthy: $(grep -v 'systemd' "$work/healthcheck.err" | tail -n 1)"
    pid="$(podman inspect --format '{{.State.Pid}}' "$container")"
    in_container() { podman "${podman_global[@]}" exec --user 10001:10001 "$container" "$@"; }
    stop_container() { podman kill --signal TERM "$container" >/dev/null; stop_status="$(podman wait "$container")"; }
else
    # The image's root filesystem, bind-mounted read-only in a mount and PID namespace of its own
    # and entered with chroot as 10001:10001, with the image's ENV, WORKDIR, ENTRYPOINT and CMD:
    # what a container runtime does, minus cgroups and the network namespace.
    mounted_image="$(podman image mount "$image")"
    mapfile -t image_env < <(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$image" | grep .)
    workdir="$(podman image inspect --format '{{.Config.WorkingDir}}' "$image")"
    mapfile -t command < <(podman image inspect --format '{{range .Config.Entrypoint}}{{println .}}{{end}}{{range .Config.Cmd}}{{println .}}{{end}}' "$image" | grep .)
    mkdir -p "$work/root"
    unshare --mount --pid --fork --propagation private bash -c '
        set -e
        root=$1 image=$2 config=$3 volume=$4 workdir=$5
        shift 5
        mount --bind "$image" "$root" && mount -o remount,bind,ro "$root"
        mount -t proc proc "$root/proc"
        mount -t tmpfs -o mode=755,size=1m dev "$root/dev"
        for node in null zero random urandom; do touch "$root/dev/$node"; mount --bind "/dev/$node" "$root/dev/$node"; done
        mount --bind "$config" "$root/etc/auditrelay" && mount -o remount,bind,ro "$root/etc/auditrelay"
        mount --bind "$volume" "$root/var/lib/auditrelay"
        exec chroot --userspec=10001:10001 "$root" /usr/bin/env -i "$@"
    ' _ "$work/root" "$mounted_image" "$work/config" "$volume" "$workdir" \
        "${image_env[@]}" /bin/sh -c 'cd "$0" && exec "$@"' "$workdir" "${command[@]}" >"$work/chroot.log" 2>&1 &
    chroot_pid=$!
    wait_healthz kill -0 "$chroot_pid"
    pid="$(pgrep -P "$chroot_pid" -x auditrelay)" || fail "no auditrelay process under unshare (pid $chroot_pid)"
    in_container() { nsenter --target "$pid" --mount --root --wd=/ setpriv --reuid=10001 --regid=10001 --clear-groups "$@"; }
    stop_container() { stop_status=0; kill -TERM "$pid"; wait "$chroot_pid" || stop_status=$?; chroot_pid=""; }
fi

uid="$(awk '/^Uid:/ { print $2 "," $3 }' "/proc/$pid/status")"
[[ "$uid" == "10001,10001" ]] || fail "the process runs as uid $uid (real,effective), not 10001"
say "ok: /healthz 200$([[ "$route" == podman ]] && echo ", HEALTHCHECK healthy"); auditrelay (host pid $pid) runs as uid 10001"
if in_container touch /usr/local/bin/written-by-check 2>"$work/write.err"; then
    fail "a write outside the volume succeeded: the root filesystem is not read-only"
fi
grep -q "Read-only file system" "$work/write.err" || fail "a write outside the volume failed, but not as read-only: $(cat "$work/write.err")"
in_container touch /var/lib/auditrelay/written-by-check || fail "the volume is not writable by uid 10001"
say "ok: writing /usr/local/bin fails (Read-only file system); the volume is writable"

wait_records
started="$(date +%s.%N)"
stop_container
elapsed="$(awk -v start="$started" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }')"
[[ "$stop_status" == 0 ]] || fail "SIGTERM: exit status $stop_status (want 0)"
awk -v elapsed="$elapsed" 'BEGIN { exit !(elapsed < 10) }' || fail "SIGTERM took $elapsed s (want < 10 s)"
records="$(record_count)"
((records == expected_records)) || fail "the file sink holds $records records, not $expected_records"
say "ok: SIGTERM -> exit 0 in $elapsed s; the file sink holds all $records replayed records"

# The spool after the stop, read by the image's own binary as uid 10001: every record acknowledged
# by the sink, nothing corrupt. Then a second start resumes from the spool's cursor: nothing is
# replayed twice.
inspect_config="$work/config/auditrelay.yaml"
if [[ "$route" == podman ]]; then
    # One-off commands: no health check (podman would try to schedule it with systemd).
    image_command() {
        podman "${podman_global[@]}" run --rm "${podman_run[@]}" --read-only --user 10001:10001 --network none \
            --health-cmd none -v "$work/config:/etc/auditrelay:ro" -v "$volume:/var/lib/auditrelay" "$image" "$@"
    }
else
    sed "s|/var/lib/auditrelay|$volume|g" "$work/config/auditrelay.yaml" >"$work/host.yaml"
    inspect_config="$work/host.yaml"
    image_command() { setpriv --reuid=10001 --regid=10001 --clear-groups "$mounted_image/usr/local/bin/auditrelay" "$@"; }
fi
[[ "$route" == podman ]] && inspect_config=/etc/auditrelay/auditrelay.yaml
image_command spool inspect --config "$inspect_config" >"$work/inspect.txt" 2>"$work/inspect.err" ||
    fail "spool inspect failed after the stop: $(cat "$work/inspect.err")"
grep -q "corrupt-ranges 0" "$work/inspect.txt" && ! grep -Eq "corrupt-ranges [1-9]" "$work/inspect.txt" ||
    fail "the spool has corrupt ranges after the stop: $(cat "$work/inspect.txt")"
grep -Eq "^sink file watermark $expected_records " "$work/inspect.txt" ||
    fail "the file sink's acknowledged watermark is not $expected_records: $(cat "$work/inspect.txt")"
sed 's/^/    /' "$work/inspect.txt" >&2
image_command run --once --config "$inspect_config" >/dev/null 2>"$work/rerun.log" ||
    fail "run --once after the stop failed: $(tail -n 3 "$work/rerun.log")"
(($(record_count) == expected_records)) || fail "a restart sent records again: $(record_count) in the file sink, not $expected_records"
say "ok: spool intact after SIGTERM (inspected; a restart with --once resumes and sends nothing twice)"
say "image $image: $(podman images --format '{{.Size}}' "$image") uncompressed ($size_bytes bytes); route: $route"
