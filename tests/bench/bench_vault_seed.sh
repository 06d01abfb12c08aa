#!/usr/bin/env bash
# vault-seed benchmark against the Vault emulator (tests/emulators/vault_api), compared in the
# same run with its peer, a shell loop of curl calls doing the same requests (what a seeding
# script pays: one process and one TCP connection per request):
#
# 1. Seed N secrets (default 1000, two generated keys each) into a Vault that already has its
#    KV v2 mount: vault-seed reads each secret and creates it with cas=0, over one keep-alive
#    connection. Wall time and requests/s, beside the curl loop doing the same GET + POST per
#    secret against a second, identical Vault. Target for vault-seed: under 2 s for 1000.
# 2. A re-run: reads only. Prints its write count (must be 0) and its time.
#
# Values for the curl loop come from /dev/urandom in the shell: no secret of vault-seed's is
# ever on a command line. Prints the numbers and ratios; no timing assertion. Exits non-zero
# only when something failed to run.
set -euo pipefail
bin=${SF_BIN_DIR:-build/bin}
src=${SF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export SF_BIN_DIR=$bin SF_SOURCE_DIR=$src N=${N:-1000}
[ -x "$bin/vault-seed" ] || { echo "bench_vault_seed: $bin/vault-seed is not built (make build)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench_vault_seed: curl is missing" >&2; exit 1; }

exec python3 - <<'PY'
import json, os, shutil, subprocess, sys, tempfile, time

src, bin_dir, n = os.environ["SF_SOURCE_DIR"], os.environ["SF_BIN_DIR"], int(os.environ["N"])
sys.path.insert(0, os.path.join(src, "tests", "emulators"))
from vault_harness import VaultEmulator

work = tempfile.mkdtemp(prefix="bench-vault-seed-")
state = os.path.join(work, "state")
os.mkdir(state, 0o700)
spec = os.path.join(work, "seed.yaml")
with open(spec, "w") as f:
    f.write("init: {file: %s/vault-init.json}\nmounts: [{path: secret, cas_required: true}]\nsecrets:\n" % state)
    for i in range(n):
        f.write("  - {path: bench/s%04d, keys: {username: {generate: {length: 12, alphabet: lower}}, "
                "password: {generate: password}}}\n" % i)


def prepared(vault):
    """Initialised, unsealed, KV v2 with cas_required: the state both contenders start from."""
    keys, root = vault.setup()
    assert vault.api("POST", "sys/mounts/secret", {"type": "kv", "options": {"version": "2"}}, token=root).status == 204
    vault.wait_for(lambda: vault.api("POST", "secret/config", {"cas_required": True}, token=root).status == 204,
                   timeout=10, what="the KV mount")
    return root


def vault_seed(vault, root):
    env = {"PATH": os.environ["PATH"], "HOME": work, "VAULT_ADDR": vault.url, "VAULT_TOKEN": root}
    t = time.monotonic()
    r = subprocess.run([os.path.join(bin_dir, "vault-seed"), "--spec", spec, "--timeout", "5m", "-o", "jsonl", "-q"],
                       env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - t
    if r.returncode != 0:
        sys.exit("bench_vault_seed: vault-seed failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    return elapsed, [json.loads(l) for l in r.stdout.splitlines()]


def curl_loop(vault, root):
    """The same requests per secret as vault-seed: GET the data (404), POST it with cas=0."""
    script = os.path.join(work, "seed.sh")
    with open(script, "w") as f:
        f.write('set -eu\nhdr="X-Vault-Token: $VAULT_TOKEN"\n'
                'for i in $(seq -f %%04g 0 %d); do\n'
                '  curl -s -o /dev/null -H "$hdr" "$VAULT_ADDR/v1/secret/data/bench/s$i"\n'
                '  u=$(head -c 9 /dev/urandom | base64 | tr -dc a-z | head -c 12)\n'
                '  p=$(head -c 24 /dev/urandom | base64 | tr -dc A-Za-z0-9)\n'
                '  printf \'{"options":{"cas":0},"data":{"username":"%%s","password":"%%s"}}\' "$u" "$p" |\n'
                '    curl -s -o /dev/null --fail -H "$hdr" -H "Content-Type: application/json" --data-binary @- '
                '"$VAULT_ADDR/v1/secret/data/bench/s$i"\n'
                'done\n' % (n - 1))
    env = {"PATH": os.environ["PATH"], "VAULT_ADDR": vault.url, "VAULT_TOKEN": root}
    t = time.monotonic()
    subprocess.run(["bash", script], env=env, check=True, timeout=1800)
    return time.monotonic() - t


try:
    emulator_args = ["--no-access-log", "--request-log-limit", str(4 * n + 100)]
    with VaultEmulator(args=emulator_args) as a, VaultEmulator(args=emulator_args) as b:
        root_a, root_b = prepared(a), prepared(b)
        seq_a = a.write_seq()
        before = a.requests_log()[-1]["seq"]
        t_seed, items = vault_seed(a, root_a)
        log = a.requests_log(since=before)
        creates = sum(1 for i in items if i["step"] == "secret" and i["action"] == "create")
        writes = a.write_count(since=seq_a)
        conns = len({e["conn"] for e in log})
        t_curl = curl_loop(b, root_b)
        curl_requests = 2 * n
        created_b = sum(1 for w in b.writes() if w["op"] == "kv-create")

        seq_a = a.write_seq()
        before = a.requests_log()[-1]["seq"]
        t_rerun, rerun_items = vault_seed(a, root_a)
        rerun_log = a.requests_log(since=before)
        rerun_writes = a.write_count(since=seq_a)

    print("vault-seed: seed %d secrets (2 generated keys each) into the Vault emulator" % n)
    print("  %-34s %8.3f s  %6d requests  %7.0f requests/s  %d connection%s  %d created"
          % ("vault-seed (keep-alive)", t_seed, len(log), len(log) / t_seed, conns, "" if conns == 1 else "s", creates))
    print("  %-34s %8.3f s  %6d requests  %7.0f requests/s  %d created"
          % ("curl loop (a process per request)", t_curl, curl_requests, curl_requests / t_curl, created_b))
    print("  ratio: vault-seed is %.1fx faster than the curl loop (target: %d secrets under 2 s: %s)"
          % (t_curl / t_seed, n, "met" if t_seed < 2 else "NOT met"))
    print("  writes of the first run: %d (%d secrets + the policy step)" % (writes, creates))
    print("  re-run: %.3f s, %d requests, write count %d%s"
          % (t_rerun, len(rerun_log), rerun_writes, "" if rerun_writes == 0 else "  <-- NOT idempotent"))
    if creates != n or created_b != n or rerun_writes != 0 or any(i["action"] not in ("unchanged",) for i in rerun_items
                                                                 if i["step"] == "secret"):
        sys.exit("bench_vault_seed: the runs did not do what they should (see above)")
finally:
    shutil.rmtree(work, ignore_errors=True)
PY
