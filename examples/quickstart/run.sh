#!/usr/bin/env bash
# `make quickstart`: start the bundled emulator, apply examples/quickstart with the freshly built
# provider (through a dev_overrides CLI configuration), show the result, and prove the new key's
# secret works against the emulator. Everything it writes goes to examples/quickstart/.run/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
work="$here/.run"
rm -rf "$work" && mkdir -p "$work/home"

terraform="$("$root/scripts/find-terraform.sh")"
echo "== using $("$terraform" version | head -n 1)"

echo "== starting onesignal-emulator"
"$bin/onesignal-emulator" --state "$work/emulator-state.json" >"$work/emulator.json" 2>"$work/emulator.log" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [ -s "$work/emulator.json" ] && break
  sleep 0.05
done
[ -s "$work/emulator.json" ] || { echo "FATAL: the emulator did not start; see $work/emulator.log" >&2; exit 1; }
field() { python3 -c "import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v[0] if isinstance(v, list) else v)" "$work/emulator.json" "$1"; }
url="$(field url)"
app_id="$(field app_ids)"
echo "   listening on $url, app $app_id"

cat >"$work/cli.tfrc" <<CONFIG
provider_installation {
  dev_overrides {
    "registry.terraform.io/onesignal/onesignal" = "$bin"
  }
  direct {}
}
CONFIG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_DATA_DIR="$work/.terraform" HOME="$work/home"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
export ONESIGNAL_API_URL="$url"
ONESIGNAL_ORGANIZATION_API_KEY="$(field organization_api_key)"
export ONESIGNAL_ORGANIZATION_API_KEY
export TF_VAR_app_id="$app_id"

echo "== terraform apply"
"$terraform" -chdir="$here" apply -auto-approve -state="$work/terraform.tfstate"

echo "== terraform output"
"$terraform" -chdir="$here" output -state="$work/terraform.tfstate"

echo "== the new key's secret authenticates against the emulator (GET /apps/$app_id)"
token="$("$terraform" -chdir="$here" output -state="$work/terraform.tfstate" -raw token)"
status="$(python3 - "$url/apps/$app_id" "$token" <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Key " + sys.argv[2]})
try:
    print(urllib.request.urlopen(request).status)
except urllib.error.HTTPError as error:
    print(error.code)
PY
)"
echo "   HTTP $status"
[ "$status" = 200 ] || { echo "FATAL: the key's secret was refused" >&2; exit 1; }

echo "== a second plan has nothing to do"
"$terraform" -chdir="$here" plan -detailed-exitcode -state="$work/terraform.tfstate" >/dev/null && echo "   no changes"
echo "Done. State and logs are in $work"
