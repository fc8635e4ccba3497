#!/usr/bin/env bash
# `make bench`: builds what the benchmark compares and runs scripts/bench.py, which prints one
# table. Peers (never committed, all under target/bench/):
#   - a Go provider on HashiCorp's plugin framework, from the PyPI package workato-terraform-provider;
#   - the example provider of the Rust crate tf-provider 0.2.2, built from the crate's source
#     (needs protoc: installed from Debian's protobuf-compiler when missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${CARGO_TARGET_DIR:-$root/target}/bench"
mkdir -p "$work"

echo "== building terraform-provider-onesignal and onesignal-emulator (release)" >&2
# Two builds, so that the provider measured is the one `make dist` ships (built together, Cargo
# would compile the provider's dependencies with the emulator's features too).
(cd "$root" && cargo build --release --locked --quiet --bin terraform-provider-onesignal)
(cd "$root" && cargo build --release --locked --quiet -p onesignal-emulator)

echo "== peer: workato-terraform-provider (Go, terraform-plugin-framework) from PyPI; grpcio for the bench's client" >&2
if [ ! -x "$work/venv/bin/python" ]; then python3 -m venv "$work/venv" >&2; fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check workato-terraform-provider==0.16.0 "grpcio>=1.60,<2" >&2
go_peer="$(find "$work/venv" -path '*linux_amd64/terraform-provider-workato*' -type f | head -n 1)"
[ -n "$go_peer" ] || { echo "FATAL: no linux_amd64 binary in workato-terraform-provider" >&2; exit 1; }
chmod +x "$go_peer"

echo "== peer: tf-provider 0.2.2 example (Rust), built from the crate's source" >&2
if ! command -v protoc >/dev/null; then
  echo "   protoc missing: installing Debian's protobuf-compiler" >&2
  apt-get install -y -q protobuf-compiler >&2 || { apt-get update -q >&2 && apt-get install -y -q protobuf-compiler >&2; }
fi
peer_src="$work/tf-provider-0.2.2"
if [ ! -d "$peer_src" ]; then
  fetch="$work/fetch"
  mkdir -p "$fetch/src" && echo 'fn main() {}' >"$fetch/src/main.rs"
  printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\ntf-provider = "=0.2.2"\n[workspace]\n' >"$fetch/Cargo.toml"
  (cd "$fetch" && cargo fetch --quiet)
  cp -r "$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -maxdepth 2 -name tf-provider-0.2.2 -type d | head -n 1)" "$peer_src"
fi
# The copy sits under this workspace's target/: an empty [workspace] table makes it its own.
grep -q '^\[workspace\]' "$peer_src/Cargo.toml" || printf '\n[workspace]\n' >>"$peer_src/Cargo.toml"
(cd "$peer_src" && CARGO_TARGET_DIR="$work/tf-provider-target" cargo build --release --quiet --example terraform-provider-null)
rust_peer="$work/tf-provider-target/release/examples/terraform-provider-null"

exec "$work/venv/bin/python" "$root/scripts/bench.py" \
  --ours "${CARGO_TARGET_DIR:-$root/target}/release/terraform-provider-onesignal" \
  --emulator "${CARGO_TARGET_DIR:-$root/target}/release/onesignal-emulator" \
  --peer "Go: workato (plugin framework)=$go_peer" \
  --peer "Rust: tf-provider 0.2.2 example=$rust_peer" \
  --terraform "$("$root/scripts/find-terraform.sh")" \
  --work "$work"
