#!/usr/bin/env bash
# `make quickstart`: start the bundled emulator, apply examples/quickstart with the freshly built
# provider (through a dev_overrides CLI configuration): an app, and a key in it. Show the result,
# and prove the new key's secret works against the emulator for the new app. Everything it writes
# goes to examples/quickstart/.run/, which is kept between runs (emulator state and Terraform
# state), so that running it again after an edit of main.tf applies the edit; delete that
# directory to start over.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
work="$here/.run"
mkdir -p "$work/home"

terraform="$("$root/scripts/find-terraform.sh")"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_DATA_DIR="$work/.terraform" HOME="$work/home"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

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
organization_id="$(field organization_id)"
echo "   listening on $url, organization $organization_id"

cat >"$work/cli.tfrc" <<CONFIG
provider_installation {
  dev_overrides {
    "registry.terraform.io/onesignal/onesignal" = "$bin"
  }
  direct {}
}
CONFIG
echo "== using $("$terraform" version | head -n 1)"
export ONESIGNAL_API_URL="$url"
ONESIGNAL_ORGANIZATION_API_KEY="$(field organization_api_key)"
export ONESIGNAL_ORGANIZATION_API_KEY
export ONESIGNAL_ORGANIZATION_ID="$organization_id"

# Terraform runs on a copy of the configuration, so that its state stays in $work.
cp "$here/main.tf" "$work/main.tf"

echo "== terraform apply"
"$terraform" -chdir="$work" apply -auto-approve

echo "== terraform output"
"$terraform" -chdir="$work" output

app_id="$("$terraform" -chdir="$work" output -raw app_id)"
echo "== the new key's secret authenticates against the emulator for the new app (GET /apps/$app_id)"
token="$("$terraform" -chdir="$work" output -raw token)"
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
"$terraform" -chdir="$work" plan -detailed-exitcode >/dev/null && echo "   no changes"
echo "Done. State and logs are in $work (the emulator is stopped on exit)."
echo "Try a rotation: change rotation_trigger in examples/quickstart/main.tf and run make quickstart again."
