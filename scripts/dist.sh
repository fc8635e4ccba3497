#!/usr/bin/env bash
# Packages a provider binary the way the Terraform registry and `terraform init -plugin-dir`
# expect (`make dist`):
#   <out>/terraform-provider-onesignal_<VERSION>_<os>_<arch>.zip   holding terraform-provider-onesignal_v<VERSION>
#   <out>/terraform-provider-onesignal_<VERSION>_SHA256SUMS        sha256sum format, every zip listed
#   <out>/terraform-provider-onesignal_<VERSION>_manifest.json     a copy of terraform-registry-manifest.json
# Usage: scripts/dist.sh BINARY [OUT_DIR]   (OUT_DIR defaults to dist/)
# VERSION comes from Cargo.toml. Only python3 (zipfile) and sha256sum are needed, so that a fresh
# machine without `zip` can package too; the tests package the debug binary with this same script.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="${1:?usage: scripts/dist.sh BINARY [OUT_DIR]}"
out="${2:-$root/dist}"
[ -x "$binary" ] || { echo "dist: $binary is not an executable file" >&2; exit 1; }

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
[ -n "$version" ] || { echo "dist: no version in Cargo.toml" >&2; exit 1; }
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "dist: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
name="terraform-provider-onesignal"
zip="${name}_${version}_${os}_${arch}.zip"

mkdir -p "$out"
rm -f "$out/${name}_${version}_"*
# The zip entry keeps mode 0755: Terraform runs the unpacked file as it is.
python3 - "$binary" "$out/$zip" "${name}_v${version}" <<'PY'
import sys, zipfile
binary, archive, entry = sys.argv[1:4]
info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as source, zipfile.ZipFile(archive, "w") as target:
    target.writestr(info, source.read())
PY
cp "$root/terraform-registry-manifest.json" "$out/${name}_${version}_manifest.json"
# Every zip of this version (one per platform packaged into $out), never another version's.
(cd "$out" && sha256sum ./"${name}_${version}_"*.zip | sed 's# \./# #' > "${name}_${version}_SHA256SUMS")
echo "dist: $out/$zip"
