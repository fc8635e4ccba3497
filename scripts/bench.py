#!/usr/bin/env python3
"""Benchmark of terraform-provider-onesignal beside peer providers; prints one Markdown table.

Measured per provider binary:
  * start -> handshake line: median and p90 over --starts runs, each started as Terraform does
    (magic cookie, PLUGIN_PROTOCOL_VERSIONS=5,6, a freshly generated ECDSA P-521 client
    certificate in PLUGIN_CLIENT_CERT, generated before the clock starts);
  * idle RSS: VmRSS 300 ms after the handshake line;
  * binary size.
Measured for ours only: `terraform plan` refreshing 192 keys over 12 apps against the emulator:
wall time, the provider's CPU time against Terraform core's, the provider's peak RSS, and the
emulator's list calls. A wrapper in the dev_overrides directory runs the real provider and records
its rusage, so Terraform core's CPU is all children's CPU minus the provider's.
Standard library only; openssl makes the certificates.
"""
import argparse, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def p521_cert(directory):
    key, cert = os.path.join(directory, "k.pem"), os.path.join(directory, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp521r1",
                    "-sha512", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/O=HashiCorp",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    with open(cert) as f:
        return f.read()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure_starts(binary, starts, work):
    times, rss = [], []
    for _ in range(starts):
        env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6",
                   PLUGIN_CLIENT_CERT=p521_cert(work))
        for noisy in ("TF_LOG", "TF_LOG_PROVIDER"):
            env.pop(noisy, None)
        began = time.perf_counter()
        child = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 stdin=subprocess.DEVNULL)
        line = child.stdout.readline()
        times.append((time.perf_counter() - began) * 1000)
        if not line.startswith(b"1|"):
            raise SystemExit(f"{binary}: unexpected handshake {line!r}")
        time.sleep(0.3)
        rss.append(rss_kib(child.pid))
        child.kill()
        child.wait()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1], statistics.median(rss)


WRAPPER = """#!/usr/bin/env python3
import os, resource, subprocess, sys
code = subprocess.call([{real!r}] + sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open({log!r}, "a") as log:
    log.write(f"{{usage.ru_utime + usage.ru_stime}} {{usage.ru_maxrss}}\\n")
sys.exit(code)
"""


def emulator_request(url, method, path, key, body=None):
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": "Key " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def measure_refresh(ours, emulator, terraform, work):
    plugin_dir = os.path.join(work, "plugins")
    os.makedirs(plugin_dir, exist_ok=True)
    log = os.path.join(work, "provider-rusage.log")
    wrapper = os.path.join(plugin_dir, "terraform-provider-onesignal")
    with open(wrapper, "w") as f:
        f.write(WRAPPER.format(real=ours, log=log))
    os.chmod(wrapper, 0o755)
    emu = subprocess.Popen([emulator, "--quiet"] if False else [emulator], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    try:
        info = json.loads(emu.stdout.readline())
        url, key = info["url"], info["organization_api_key"]
        apps = list(info["app_ids"])
        while len(apps) < 12:
            apps.append(emulator_request(url, "POST", "/apps", key, {"name": f"bench {len(apps)}"})["id"])
        tf = tempfile.mkdtemp(dir=work)
        with open(os.path.join(tf, "cli.tfrc"), "w") as f:
            f.write('provider_installation {\n dev_overrides {\n "registry.terraform.io/onesignal/onesignal" = "%s"\n }\n direct {}\n}\n' % plugin_dir)
        apps_hcl = ", ".join(f'"{a}"' for a in apps)
        with open(os.path.join(tf, "main.tf"), "w") as f:
            f.write('terraform {\n required_providers {\n onesignal = { source = "registry.terraform.io/onesignal/onesignal" }\n }\n}\n'
                    f'provider "onesignal" {{\n organization_api_key = "{key}"\n api_url = "{url}"\n}}\n'
                    f'locals {{\n apps = [{apps_hcl}]\n}}\n'
                    'resource "onesignal_app_api_key" "k" {\n count = 192\n app_id = local.apps[floor(count.index / 16)]\n name = "key-${count.index}"\n}\n')
        env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(tf, "cli.tfrc"), TF_DATA_DIR=os.path.join(tf, ".terraform"),
                   TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
        for noisy in ("TF_LOG", "TF_LOG_PROVIDER"):
            env.pop(noisy, None)
        subprocess.run([terraform, "apply", "-auto-approve", "-no-color"], cwd=tf, env=env, check=True, capture_output=True)
        emulator_request(url, "DELETE", "/_emulator/counters", key)
        open(log, "w").close()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run([terraform, "plan", "-no-color", "-detailed-exitcode"], cwd=tf, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        all_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        with open(log) as f:
            runs = [line.split() for line in f if line.strip()]
        provider_cpu = sum(float(r[0]) for r in runs)
        provider_rss = max(int(r[1]) for r in runs)
        counters = emulator_request(url, "GET", "/_emulator/counters", key)
        lists = counters.get("list_keys", 0) if isinstance(counters, dict) else 0
        return wall, provider_cpu, all_cpu - provider_cpu, provider_rss, lists, len(runs)
    finally:
        emu.kill()
        emu.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ours", required=True)
    parser.add_argument("--emulator", required=True)
    parser.add_argument("--peer", action="append", default=[], help="LABEL=PATH")
    parser.add_argument("--terraform", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--starts", type=int, default=30)
    args = parser.parse_args()
    work = tempfile.mkdtemp(dir=args.work)
    rows = []
    for label, path in [("**terraform-provider-onesignal**", args.ours)] + [p.split("=", 1) for p in args.peer]:
        median, p90, rss = measure_starts(path, args.starts, work)
        rows.append((label, median, p90, rss, os.path.getsize(path)))
        print(f"measured {label}: median {median:.2f} ms", file=sys.stderr)
    print(f"\nPlugin start on {os.cpu_count()} cores ({args.starts} starts each, P-521 client certificate):\n")
    print("| provider | start → handshake median | p90 | idle RSS | binary size |")
    print("|---|---:|---:|---:|---:|")
    for label, median, p90, rss, size in rows:
        print(f"| {label} | {median:.2f} ms | {p90:.2f} ms | {rss / 1024:.1f} MiB | {size / 1e6:.1f} MB |")
    ours = rows[0][1]
    for label, median, *_ in rows[1:]:
        print(f"\nours / {label}: {ours / median:.2f}×", end="")
    print("\n")
    wall, provider_cpu, core_cpu, provider_rss, lists, processes = measure_refresh(args.ours, args.emulator, args.terraform, work)
    version = subprocess.run([args.terraform, "version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"`terraform plan` refreshing 192 keys over 12 apps ({version}, against onesignal-emulator):\n")
    print("| wall time | provider CPU | Terraform core CPU | provider CPU / core CPU | provider peak RSS | list calls |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {wall:.2f} s | {provider_cpu * 1000:.0f} ms ({processes} processes) | {core_cpu * 1000:.0f} ms | "
          f"{100 * provider_cpu / core_cpu:.1f} % | {provider_rss / 1024:.1f} MiB | {lists} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
