#!/usr/bin/env python3
"""Benchmark of terraform-provider-onesignal beside peer providers; prints one Markdown table.

Measured per provider binary, over --starts rounds that start every binary once in turn (so
that the machine's drifting speed weighs on all alike), each start as Terraform starts a plugin
(magic cookie, PLUGIN_PROTOCOL_VERSIONS=5,6, a freshly generated ECDSA P-521 client certificate
in PLUGIN_CLIENT_CERT, generated before the clock starts):
  * start -> handshake line: median and p90;
  * idle RSS: VmRSS 300 ms after the handshake line;
  * handshake -> first schema answered (ours only): a new gRPC channel over mutual TLS (presenting
    the P-521 certificate, trusting only the certificate of the handshake line), then
    GetProviderSchema, answered; median and p90. grpcio's client did not complete a mutual-TLS
    handshake with either peer here (the Go peer answered with a handshake_failure alert; with the
    tf-provider example, BoringSSL found no common signature algorithm for the P-521
    certificate), so they show a dash;
  * binary size.
Measured for ours only (the peers manage other things): `terraform plan` refreshing 192 keys over
12 apps against the emulator, --plans times (the plan with the median ratio is shown, with
every ratio): wall time, the provider's CPU time against Terraform core's, the provider's peak
RSS, and the emulator's list calls. A wrapper in the dev_overrides directory (a few
lines of C, compiled here with cc) runs the real provider and records its rusage and its own;
Terraform core's CPU is all children's CPU minus the providers' and the wrappers'.
Needs grpcio (installed by scripts/bench.sh into the bench's venv), openssl and cc.
"""
import argparse, base64, json, os, resource, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

import grpc

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
SCHEMA_METHOD = "/tfplugin6.Provider/GetProviderSchema"


def p521_identity(directory):
    key, cert = os.path.join(directory, "k.pem"), os.path.join(directory, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp521r1",
                    "-sha512", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/O=HashiCorp",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "subjectAltName=DNS:localhost",
                    "-addext", "keyUsage=digitalSignature,keyEncipherment,keyCertSign",
                    "-addext", "extendedKeyUsage=clientAuth,serverAuth"],
                   check=True, capture_output=True)
    with open(cert, "rb") as c, open(key, "rb") as k:
        return c.read(), k.read()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pem(der_b64):
    der = base64.b64decode(der_b64 + "=" * (-len(der_b64) % 4))
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n").encode()


def first_schema_ms(handshake, cert_pem, key_pem):
    """Connects as Terraform does and asks for the schema; milliseconds until it is answered."""
    _core, _protocol, network, address, _kind, server_cert = handshake.split("|")
    target = f"unix:{address}" if network == "unix" else f"ipv4:{address}"
    credentials = grpc.ssl_channel_credentials(root_certificates=pem(server_cert), private_key=key_pem,
                                               certificate_chain=cert_pem)
    began = time.perf_counter()
    options = [("grpc.ssl_target_name_override", "localhost"), ("grpc.max_receive_message_length", 256 << 20)]
    with grpc.secure_channel(target, credentials, options=options) as channel:
        answer = channel.unary_unary(SCHEMA_METHOD)(b"", timeout=10)
    elapsed = (time.perf_counter() - began) * 1000
    if not answer:
        raise RuntimeError("empty schema answer")
    return elapsed


def quantiles(values):
    values = sorted(values)
    return statistics.median(values), values[max(0, int(len(values) * 0.9) - 1)]


def one_start(binary, work, schema):
    """One start: (start -> handshake ms, idle RSS KiB, handshake -> schema ms or None)."""
    cert_pem, key_pem = p521_identity(work)
    env = dict(os.environ, TF_PLUGIN_MAGIC_COOKIE=COOKIE, PLUGIN_PROTOCOL_VERSIONS="5,6",
               PLUGIN_CLIENT_CERT=cert_pem.decode())
    for noisy in ("TF_LOG", "TF_LOG_PROVIDER"):
        env.pop(noisy, None)
    began = time.perf_counter()
    child = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
    line = child.stdout.readline()
    handshake = (time.perf_counter() - began) * 1000
    try:
        if not line.startswith(b"1|"):
            raise SystemExit(f"{binary}: unexpected handshake {line!r}")
        time.sleep(0.3)
        rss = rss_kib(child.pid)
        schema_ms = first_schema_ms(line.decode().strip(), cert_pem, key_pem) if schema else None
    finally:
        child.kill()
        child.wait()
    return handshake, rss, schema_ms


def measure_starts(binaries, starts, work):
    """Start -> handshake, idle RSS, and for the first binary handshake -> schema, over `starts`
    rounds. Each round starts every binary once, in turn, so that a machine whose speed drifts
    (it does, from minute to minute) weighs on all of them alike."""
    samples = [([], [], []) for _ in binaries]
    for _ in range(starts):
        for index, binary in enumerate(binaries):
            handshake, rss, schema_ms = one_start(binary, work, schema=index == 0)
            samples[index][0].append(handshake)
            samples[index][1].append(rss)
            if schema_ms is not None:
                samples[index][2].append(schema_ms)
    return [{
        "handshake": quantiles(handshakes),
        "rss": statistics.median(rss),
        "schema": quantiles(schemas) if schemas else None,
        "size": os.path.getsize(binary),
    } for binary, (handshakes, rss, schemas) in zip(binaries, samples)]


# The wrapper Terraform starts instead of the provider: runs it, then appends the provider's
# rusage (CPU seconds, peak RSS in KiB) and its own CPU to the log. In C so that it costs next to
# nothing (a Python wrapper cost several times the provider's own CPU), and its own CPU is
# subtracted from Terraform core's anyway.
WRAPPER_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    (void)argc;
    pid_t child = fork();
    if (child == 0) { argv[0] = REAL; execv(REAL, argv); _exit(127); }
    int status = 0;
    struct rusage provider, own;
    wait4(child, &status, 0, &provider);
    getrusage(RUSAGE_SELF, &own);
    FILE *log = fopen(LOG, "a");
    if (log) {
        fprintf(log, "%f %ld %f\n",
                provider.ru_utime.tv_sec + provider.ru_stime.tv_sec
                    + (provider.ru_utime.tv_usec + provider.ru_stime.tv_usec) / 1e6,
                provider.ru_maxrss,
                own.ru_utime.tv_sec + own.ru_stime.tv_sec
                    + (own.ru_utime.tv_usec + own.ru_stime.tv_usec) / 1e6);
        fclose(log);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
"""


def build_wrapper(real, log, path, work):
    source = os.path.join(work, "wrapper.c")
    with open(source, "w") as f:
        f.write(WRAPPER_C)
    subprocess.run(["cc", "-O2", f'-DREAL="{real}"', f'-DLOG="{log}"', "-o", path, source], check=True)


def emulator_request(url, method, path, key, body=None):
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": "Key " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def measure_refresh(ours, emulator, terraform, work, plans_count):
    plugin_dir = os.path.join(work, "plugins")
    os.makedirs(plugin_dir, exist_ok=True)
    log = os.path.join(work, "provider-rusage.log")
    build_wrapper(os.path.abspath(ours), log, os.path.join(plugin_dir, "terraform-provider-onesignal"), work)
    emu = subprocess.Popen([emulator], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        info = json.loads(emu.stdout.readline())
        url, key = info["url"], info["organization_api_key"]
        apps = list(info["app_ids"])
        while len(apps) < 12:
            apps.append(emulator_request(url, "POST", "/apps", key, {"name": f"bench {len(apps)}", "organization_id": info["organization_id"]})["id"])
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
                   HOME=tf, TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
        for noisy in ("TF_LOG", "TF_LOG_PROVIDER"):
            env.pop(noisy, None)
        subprocess.run([terraform, "apply", "-auto-approve", "-no-color"], cwd=tf, env=env, check=True, capture_output=True)
        plans = []
        for _ in range(plans_count):
            emulator_request(url, "DELETE", "/_emulator/counters", key)
            open(log, "w").close()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            subprocess.run([terraform, "plan", "-no-color", "-detailed-exitcode"], cwd=tf, env=env, check=True, capture_output=True)
            wall = time.perf_counter() - began
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            all_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            with open(log) as f:
                runs = [[float(x) for x in line.split()] for line in f if line.strip()]
            provider_cpu = sum(r[0] for r in runs)
            core_cpu = all_cpu - provider_cpu - sum(r[2] for r in runs)
            counters = emulator_request(url, "GET", "/_emulator/counters", key)
            plans.append({
                "wall": wall,
                "provider_cpu": provider_cpu,
                "core_cpu": core_cpu,
                "ratio": provider_cpu / core_cpu,
                "per_process": [r[0] for r in runs],
                "provider_rss": max(r[1] for r in runs),
                "lists": counters.get("list_keys", 0) if isinstance(counters, dict) else 0,
            })
            print("plan: provider CPU " + " + ".join(f"{c * 1000:.1f}" for c in plans[-1]["per_process"])
                  + f" ms, core {core_cpu * 1000:.0f} ms, {100 * plans[-1]['ratio']:.1f} %", file=sys.stderr)
        # The plan whose ratio is the median stands for all: its figures belong together.
        return sorted(plans, key=lambda p: p["ratio"])[len(plans) // 2] | {"plans": len(plans), "ratios": sorted(p["ratio"] for p in plans)}
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
    parser.add_argument("--plans", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(dir=args.work)
    providers = [("**terraform-provider-onesignal**", args.ours)] + [tuple(p.split("=", 1)) for p in args.peer]
    results = measure_starts([path for _, path in providers], args.starts, work)
    for (label, _), result in zip(providers, results):
        print(f"measured {label}: start median {result['handshake'][0]:.2f} ms", file=sys.stderr)
    refresh = measure_refresh(args.ours, args.emulator, args.terraform, work, args.plans)
    version = subprocess.run([args.terraform, "version"], capture_output=True, text=True).stdout.splitlines()[0]
    shutil.rmtree(work, ignore_errors=True)

    ours = results[0]
    na = "—"
    def row(name, cells):
        print(f"| {name} | " + " | ".join(cells) + " |")
    def schema(r, i):
        return f"{r['schema'][i]:.2f} ms" if r["schema"] else na
    print(f"\n{os.cpu_count()} cores; {args.starts} starts per provider, each with a fresh P-521 client "
          f"certificate; refresh with {version} against onesignal-emulator.\n")
    print("| | " + " | ".join(label for label, _ in providers) + " |")
    print("|---|" + "---:|" * len(providers))
    row("start → handshake, median", [f"{r['handshake'][0]:.2f} ms" for r in results])
    row("start → handshake, p90", [f"{r['handshake'][1]:.2f} ms" for r in results])
    row("start → handshake, ours ÷ this", [f"{ours['handshake'][0] / r['handshake'][0]:.2f}×" for r in results])
    row("handshake → first schema, median", [schema(r, 0) for r in results])
    row("handshake → first schema, p90", [schema(r, 1) for r in results])
    row("idle RSS", [f"{r['rss'] / 1024:.1f} MiB" for r in results])
    row("binary size", [f"{r['size'] / 1e6:.1f} MB" for r in results])
    others = [na] * (len(providers) - 1)
    row(f"plan of 192 keys / 12 apps (median of {refresh['plans']}): wall time", [f"{refresh['wall']:.2f} s"] + others)
    row("… provider CPU", [f"{refresh['provider_cpu'] * 1000:.0f} ms ("
                          + " + ".join(f"{c * 1000:.1f}" for c in refresh["per_process"]) + ")"] + others)
    row("… Terraform core CPU", [f"{refresh['core_cpu'] * 1000:.0f} ms"] + others)
    row("… provider CPU ÷ core CPU", [f"{100 * refresh['ratio']:.1f} % (all plans: "
                                      + ", ".join(f"{100 * r:.1f}" for r in refresh["ratios"]) + ")"] + others)
    row("… provider peak RSS", [f"{refresh['provider_rss'] / 1024:.1f} MiB"] + others)
    row("… list calls", [str(refresh["lists"])] + others)


if __name__ == "__main__":
    main()
