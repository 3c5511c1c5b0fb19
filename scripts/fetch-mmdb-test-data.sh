#!/usr/bin/env bash
# Downloads MaxMind's official MaxMind DB conformance data (the test databases, their source JSON
# and the hostile bad-data files) from the sdist of the PyPI package `maxminddb` and unpacks
# `tests/data/` into <repo>/.cache/mmdb-test-data/. Nothing from it is committed.
# Idempotent: does nothing when the data for this version is already unpacked.
set -euo pipefail

version="3.2.0"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo_root/.cache"
destination="$cache/mmdb-test-data"
marker="$destination/.maxminddb-$version"

if [[ -f "$marker" ]]; then
    echo "MaxMind DB test data $version already in $destination"
    exit 0
fi

download_dir="$cache/pip-maxminddb-$version"
mkdir -p "$download_dir"
if ! ls "$download_dir"/maxminddb-"$version".tar.gz >/dev/null 2>&1; then
    python3 -m pip download --quiet --no-deps --no-binary :all: "maxminddb==$version" -d "$download_dir"
fi
archive="$download_dir/maxminddb-$version.tar.gz"
[[ -f "$archive" ]] || { echo "error: pip did not produce $archive" >&2; exit 1; }

unpack_dir="$(mktemp -d "$cache/mmdb-unpack.XXXXXX")"
trap 'rm -rf "$unpack_dir"' EXIT
tar -xzf "$archive" -C "$unpack_dir" "maxminddb-$version/tests/data"

rm -rf "$destination"
mv "$unpack_dir/maxminddb-$version/tests/data" "$destination"
touch "$marker"
echo "MaxMind DB test data $version unpacked into $destination"
