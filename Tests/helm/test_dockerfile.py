"""Static review of the Dockerfile and the image's default config (no Docker engine runs here).

The HEALTHCHECK command is the one piece that can run without Docker: it is executed for real
against small HTTP servers on loopback.
"""

from __future__ import annotations

import fnmatch
import http.server
import json
import os
import re
import shlex
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    joined: list[str] = []
    current = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        joined.append(current + stripped)
        current = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in joined]


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def args_of(stage, name: str) -> list[str]:
    return [arguments for instruction, arguments in stage if instruction == name]


def build_args() -> dict[str, str]:
    return dict(arg.split("=", 1) for _, arg in instructions() if _ == "ARG" and "=" in arg)


def test_two_stages_swift_bookworm_then_slim_bookworm() -> None:
    build, runtime = stages()
    defaults = build_args()
    assert args_of(build, "FROM") == ["${SWIFT_IMAGE} AS build"]
    assert defaults["SWIFT_IMAGE"] == "swift:6.3-bookworm"
    assert args_of(runtime, "FROM") == ["${RUNTIME_IMAGE}"]
    assert defaults["RUNTIME_IMAGE"] == "debian:bookworm-slim"


def test_build_stage_resolves_before_copying_sources_and_builds_static() -> None:
    build = stages()[0]
    order = [f"{i} {a}" for i, a in build if i in ("COPY", "RUN")]
    resolve = next(n for n, step in enumerate(order) if "swift package resolve" in step)
    copy_all = order.index("COPY . .")
    assert order[resolve - 1] == "COPY Package.swift ./"
    assert resolve < copy_all
    compile_step = next(step for step in order if "swift build -c release" in step)
    assert "--static-swift-stdlib --product auditrelay" in compile_step
    assert "libcurl4-openssl-dev librdkafka-dev" in order[0]


def test_runtime_stage_installs_only_the_runtime_libraries() -> None:
    runtime = stages()[1]
    (install,) = [a for a in args_of(runtime, "RUN") if "apt-get" in a]
    packages = re.search(r"--no-install-recommends ([^&]+)&&", install).group(1).split()
    assert packages == ["libcurl4", "librdkafka1", "ca-certificates", "tzdata"]
    assert "rm -rf /var/lib/apt/lists/*" in install


def test_runtime_runs_as_uid_10001_with_the_spool_volume() -> None:
    runtime = stages()[1]
    assert args_of(runtime, "USER") == ["10001:10001"]
    assert "--uid 10001" in " ".join(args_of(runtime, "RUN"))
    assert "-o 10001 -g 10001" in " ".join(args_of(runtime, "RUN"))
    assert args_of(runtime, "VOLUME") == ['["/var/lib/auditrelay"]']
    env = " ".join(args_of(runtime, "ENV"))
    assert "TMPDIR=/var/lib/auditrelay" in env  # the only writable path with --read-only


def test_entrypoint_cmd_port_and_labels() -> None:
    runtime = stages()[1]
    assert json.loads(args_of(runtime, "ENTRYPOINT")[0]) == ["auditrelay"]
    assert json.loads(args_of(runtime, "CMD")[0]) == ["run", "--config", "/etc/auditrelay/auditrelay.yaml"]
    assert args_of(runtime, "EXPOSE") == ["8686"]
    labels = " ".join(args_of(runtime, "LABEL"))
    for key in ("title", "description", "version", "revision", "created"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_every_copied_path_exists_and_is_not_docker_ignored() -> None:
    if not (REPO_ROOT / "Package.swift").exists():
        pytest.skip("the Swift package (Package.swift) is not in this checkout yet")
    ignored = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "Package.resolved" in ignored  # a local one may pin mirror commits
    needed = ["Package.swift", "Sources", "Tests", "Config/container.yaml"]
    for path in needed:
        assert (REPO_ROOT / path).exists(), path
        top = path.split("/")[0]
        assert not any(fnmatch.fnmatch(top, pattern) for pattern in ignored), path
    # The runtime config comes from the build context, not from a path only the build creates.
    assert "cp Config/container.yaml /staging/etc/auditrelay/auditrelay.yaml" in DOCKERFILE.read_text()


def test_image_default_config_is_a_minimal_container_config() -> None:
    config = yaml.safe_load((REPO_ROOT / "Config/container.yaml").read_text())
    assert set(config) <= {"workspaceID", "sources", "sinks", "spool", "geoip", "http"}
    assert config["http"]["listen"] == "0.0.0.0:8686"
    assert config["spool"]["dir"].startswith("/var/lib/auditrelay/")
    assert {sink["type"] for sink in config["sinks"]} <= {"stdout", "file"}
    assert config["sources"] == []


# --- HEALTHCHECK, run for real -----------------------------------------------------------------


def healthcheck_command() -> list[str]:
    (healthcheck,) = args_of(stages()[1], "HEALTHCHECK")
    assert "--timeout=5s" in healthcheck
    return json.loads(healthcheck.split("CMD", 1)[1].strip())


def serve(status: int) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            code = status if self.path == "/healthz" else 404
            self.send_response(code)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_healthcheck(port: int) -> int:
    env = dict(os.environ, HEALTHCHECK_PORT=str(port))
    return subprocess.run(healthcheck_command(), env=env, timeout=5, capture_output=True).returncode


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_healthcheck_requires_200_from_healthz(status: int, healthy: bool) -> None:
    server = serve(status)
    try:
        assert (run_healthcheck(server.server_address[1]) == 0) is healthy
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_fails_when_nothing_listens() -> None:
    server = serve(200)
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    assert run_healthcheck(port) != 0


def test_healthcheck_uses_only_tools_of_the_slim_base() -> None:
    # bash, printf, head and grep are in debian:bookworm-slim (Essential); curl/wget are not.
    command = healthcheck_command()
    assert command[0] == "bash"
    assert not {"curl", "wget"} & set(shlex.split(command[2]))
    assert "ENV HEALTHCHECK_PORT=8686" in DOCKERFILE.read_text()


# --- scripts/build-image.sh and scripts/demo.sh agree with the Dockerfile ---------------------

BUILD_IMAGE = REPO_ROOT / "scripts" / "build-image.sh"
DEMO = REPO_ROOT / "scripts" / "demo.sh"


def runtime_stage_text() -> str:
    """The Dockerfile from its last FROM line to the end, as written."""
    lines = DOCKERFILE.read_text().splitlines()
    start = max(n for n, line in enumerate(lines) if line.startswith("FROM "))
    return "\n".join(lines[start:]) + "\n"


def test_build_image_applies_the_dockerfiles_own_runtime_stage() -> None:
    # The script builds the runtime stage from the Dockerfile's text, so the packages, uid, ENV,
    # USER and ENTRYPOINT it applies are the Dockerfile's. Run its extraction and compare.
    script = BUILD_IMAGE.read_text()
    (program,) = re.findall(r"runtime_stage=\"\$\(awk '([^']+)' Dockerfile\)\"", script)
    extracted = subprocess.run(["awk", program, str(DOCKERFILE)], capture_output=True, text=True, check=True).stdout
    assert extracted == runtime_stage_text()
    assert extracted.startswith("FROM ${RUNTIME_IMAGE}\n")
    runtime = stages()[1]
    assert "libcurl4 librdkafka1 ca-certificates tzdata" in extracted
    assert args_of(runtime, "USER") == ["10001:10001"]
    # What the runtime stage takes from the build stage, the script's stand-in build stage provides.
    assert [a for a in args_of(runtime, "COPY") if "--from=build" in a] == ["--from=build /staging/ /"]
    assert 'echo "FROM scratch AS build"' in script
    assert 'echo "COPY staging/ /staging/"' in script
    assert '--build-arg "RUNTIME_IMAGE=$base_image"' in script
    assert "--format docker" in script  # keeps HEALTHCHECK, which the OCI format drops


def test_build_image_stages_what_the_dockerfiles_build_stage_stages() -> None:
    build = stages()[0]
    (compile_step,) = [a for a in args_of(build, "RUN") if "swift build -c release" in a]
    script = BUILD_IMAGE.read_text()
    for fragment in (
        "swift build -c release --static-swift-stdlib --product auditrelay",
        "strip --strip-debug",
        "usr/libexec/swift/linux/swift-backtrace-static",
        "-maxdepth 1 -name '*.resources' -exec cp -Ra {}",
        "cp Config/container.yaml",
    ):
        assert fragment in compile_step, fragment
        assert fragment in script, fragment

    def staged(text: str) -> set[str]:
        return set(re.findall(r"/staging(/[\w.-][\w./-]*)", text))

    assert staged(compile_step) <= staged(script)
    assert {"/usr/local/bin/auditrelay", "/usr/local/bin/swift-backtrace", "/etc/auditrelay/auditrelay.yaml"} <= staged(compile_step)


def test_build_image_runs_the_image_as_the_dockerfile_says() -> None:
    script = BUILD_IMAGE.read_text()
    (user,) = args_of(stages()[1], "USER")
    assert f"--read-only --user {user}" in script
    assert f"--userspec={user}" in script  # the chroot route
    (volume,) = json.loads(args_of(stages()[1], "VOLUME")[0])
    assert f'-v "$volume:{volume}"' in script  # podman: the image's VOLUME
    assert f'mount --bind "$volume" "$root{volume}"' in script  # the chroot route
    assert "--variant=minbase bookworm" in script  # the base stands in for debian:bookworm-slim


def test_demo_runs_the_binary_the_image_ships() -> None:
    demo = DEMO.read_text()
    assert "swift build -c release --static-swift-stdlib --product auditrelay" in demo
    assert "swift build -c release --static-swift-stdlib --product auditrelay" in BUILD_IMAGE.read_text()


def test_measured_image_size_is_the_same_in_the_dockerfile_and_the_readme() -> None:
    measured = re.search(r"Measured with scripts/build-image\.sh[^:]*: ([\d.]+ MB)", DOCKERFILE.read_text())
    assert measured, "the Dockerfile states the size scripts/build-image.sh measured"
    readme = (REPO_ROOT / "README.md").read_text()
    assert f"{measured.group(1)} uncompressed" in readme
