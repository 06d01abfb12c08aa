#!/usr/bin/env bash
# The platform's bootstrap flow behind `make infra-up`, `infra-down`, `sync`, `status` and
# `credentials` (docs/infra-up.md, "The Makefile flow"). Thin glue: every decision is in a tool
# (kind-wait, render-manifests, vault-seed), in Terraform or in scripts/preflight.sh and
# scripts/ingress-ca.sh; this file only runs them in order. One function per step; each step
# says what it does, and a failing step stops the flow naming itself and a hint.
#
#   scripts/infra-up.sh up|down|sync|status|credentials   (SF_CREDENTIAL=NAME: print that one)
#
# Settings (the Makefile passes them; defaults in brackets):
#   SF_CLUSTER [sovereign-finops]   SF_STATE_DIR [${XDG_STATE_HOME:-~/.local/state}/sovereign-finops/CLUSTER]
#   SF_LISTEN [127.0.0.1]  SF_HTTP_PORT [80]  SF_HTTPS_PORT [443]  SF_WORKERS [2]  SF_MIRROR []
#   SF_DOMAIN [localhost]  SF_TIMEOUT [15m]  SF_BUILD_DIR [build]  SF_EXPOSE [0]  SF_REPLACE [0]
#   SF_PURGE [0]  SF_TERRAFORM [terraform]  SF_DOCKER [docker]  SF_MAKE [make]
#   SF_STEP_TIMEOUT [5m]  SF_DEGRADED_GRACE [5m]  SF_SEED_SPEC [vault/seed.yaml]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cluster=${SF_CLUSTER:-sovereign-finops}
state=${SF_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/sovereign-finops/$cluster}
listen=${SF_LISTEN:-127.0.0.1}
http_port=${SF_HTTP_PORT:-80}
https_port=${SF_HTTPS_PORT:-443}
workers=${SF_WORKERS:-2}
mirror=${SF_MIRROR:-}
domain=${SF_DOMAIN:-localhost}
timeout=${SF_TIMEOUT:-15m}
# The waits that hold at once on a healthy cluster (nodes, Argo CD's rollout).
step_timeout=${SF_STEP_TIMEOUT:-5m}
# How long an Application may stay Degraded before the wait fails (kind-wait's rule; its default).
degraded_grace=${SF_DEGRADED_GRACE:-5m}
build_dir=${SF_BUILD_DIR:-build}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
bin=$build_dir/bin
terraform=${SF_TERRAFORM:-terraform}
docker=${SF_DOCKER:-docker}
make=${SF_MAKE:-make}
uis=(argocd opencost prometheus vault)

export KUBECONFIG=$state/kubeconfig
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0

# ---------------------------------------------------------------------------------------------
# Running steps

step_no=0
step_total=0
say() { echo "infra-up: $*" >&2; }

# run_step NAME HINT FUNCTION: announce, run, time; on failure name the step and the hint, exit 1.
run_step() {
  local name=$1 hint=$2 fn=$3 started rc=0
  step_no=$((step_no + 1))
  say "[$step_no/$step_total] $name..."
  started=$SECONDS
  # A subshell with its own errexit, run outside any `||`: in `fn || ...` bash would ignore
  # set -e inside fn, and a failing command in the middle of a step would go unnoticed.
  set +e
  (
    set -e
    "$fn"
  )
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    say "[$step_no/$step_total] $name FAILED (exit $rc): $hint"
    exit 1
  fi
  say "[$step_no/$step_total] $name: done ($((SECONDS - started)) s)"
}

tf_cluster() { TF_DATA_DIR=$state/terraform/cluster "$terraform" -chdir="$root/terraform/cluster" "$@"; }
tf_platform() { TF_DATA_DIR=$state/terraform/platform "$terraform" -chdir="$root/terraform/platform" "$@"; }

# Stage 1's inputs: the rendered kind config is its one description of the cluster.
export_cluster_vars() {
  export TF_VAR_cluster_name=$cluster TF_VAR_state_dir=$state
  export TF_VAR_kind_config_path=$state/bootstrap/cluster/kind-config.yaml
  TF_VAR_expose_to_network=false
  [ "${SF_EXPOSE:-0}" = 1 ] && TF_VAR_expose_to_network=true
  export TF_VAR_expose_to_network
}
export_platform_vars() {
  export TF_VAR_kubeconfig_path=$KUBECONFIG TF_VAR_bootstrap_dir=$state/bootstrap/platform
  export TF_VAR_ingress_https_port=$https_port
}

# ---------------------------------------------------------------------------------------------
# make infra-up

up_preflight() {
  SF_CLUSTER_NAME=$cluster SF_LISTEN_ADDRESS=$listen SF_HTTP_PORT=$http_port SF_HTTPS_PORT=$https_port \
    SF_DOCKER=$docker SF_TERRAFORM=$terraform "$root/scripts/preflight.sh"
}

up_build() {
  "$make" -C "$root" --no-print-directory build BUILD_DIR="$build_dir" >&2
  local tool
  for tool in kind-wait render-manifests vault-seed; do
    [ -x "$bin/$tool" ] || { say "no $bin/$tool after the build"; return 1; }
  done
}

up_state_dir() {
  install -d -m 0700 "$state" "$state/bootstrap"
  chmod 0700 "$state"
}

# bootstrap/cluster -> the kind config (and, with a mirror, containerd's hosts.toml files, copied
# into a folder that stays put: a bind mount keeps the folder it was started with). A kind config
# that differs from the one the running cluster was made with would replace the cluster: refused
# unless REPLACE=1.
up_render_cluster() {
  local names="worker" i out=$state/bootstrap/cluster.new
  if ! [[ $workers =~ ^[1-5]$ ]]; then
    say "WORKERS=$workers: give 1 to 5 workers (MetalLB announces from workers only; more do not fit a laptop)"
    return 2
  fi
  for ((i = 2; i <= workers; i++)); do names+=",worker$i"; done
  local args=(render "$root/bootstrap/cluster" --set "cluster.name=$cluster" --set "cluster.workers={$names}"
    --set "ingress.listenAddress=$listen" --set "ingress.httpPort=$http_port" --set "ingress.httpsPort=$https_port"
    --set "git.hostPath=$(git -C "$root" rev-parse --path-format=absolute --git-common-dir)")
  if [ -n "$mirror" ]; then
    args+=(--set "registry.mirror=$mirror" --set "registry.certsHostPath=$state/containerd-certs.d")
  fi
  rm -rf "$out"
  "$bin/render-manifests" "${args[@]}" -o "$out"
  local current=$state/bootstrap/cluster/kind-config.yaml
  if [ -s "$state/cluster.tfstate" ] && grep -q '"kind_cluster"' "$state/cluster.tfstate" && [ -f "$current" ] &&
    ! cmp -s "$current" "$out/kind-config.yaml" && [ "${SF_REPLACE:-0}" != 1 ]; then
    say "the cluster's settings changed (diff below); applying them REPLACES the running cluster and everything in it"
    diff -u "$current" "$out/kind-config.yaml" >&2 || true
    rm -rf "$out"
    return 1
  fi
  if [ -n "$mirror" ]; then
    install -d -m 0755 "$state/containerd-certs.d"
    cp -R "$out/containerd-certs.d/." "$state/containerd-certs.d/"
  fi
  rm -rf "$state/bootstrap/cluster"
  mv "$out" "$state/bootstrap/cluster"
}

up_cluster() {
  export_cluster_vars
  tf_cluster init -input=false -reconfigure -backend-config="path=$state/cluster.tfstate" >&2
  tf_cluster apply -input=false -auto-approve >&2
}

up_nodes() {
  "$bin/kind-wait" --for "nodes=$((workers + 1))" --timeout "$step_timeout"
}

# The run-time facts from the kind network: the MetalLB range, the control plane's /32, the subnet.
up_facts() {
  local facts
  facts=$("$docker" network inspect kind | "$bin/render-manifests" facts --format env)
  printf '%s\n' "$facts" >"$state/kind-facts.env"
  grep -q '^METALLB_RANGE=.' "$state/kind-facts.env" && grep -q '^CONTROL_PLANE_CIDRS=.' "$state/kind-facts.env"
}

up_ingress_ca() {
  "$root/scripts/ingress-ca.sh" "$state" "$domain"
}

fact() { sed -n "s/^$1=//p" "$state/kind-facts.env"; }

up_render_platform() {
  "$bin/render-manifests" render "$root/bootstrap/platform" --set "metallb.addresses={$(fact METALLB_RANGE)}" \
    --set "network.controlPlaneCIDRs={$(fact CONTROL_PLANE_CIDRS)}" --set "network.nodeCIDRs={$(fact IPV4_SUBNET)}" \
    --set "registry.mirror=$mirror" --set "ingress.domain=$domain" -o "$state/bootstrap/platform"
}

up_platform() {
  export_platform_vars
  tf_platform init -input=false -reconfigure -backend-config="path=$state/platform.tfstate" >&2
  tf_platform apply -input=false -auto-approve >&2
}

up_argocd() {
  "$bin/kind-wait" --for deployment/argocd/argocd-server --for deployment/argocd/argocd-repo-server \
    --for crd/applications.argoproj.io --timeout "$step_timeout"
}

up_vault_pod() {
  "$bin/kind-wait" --for pod/vault/vault-0=Running --timeout "$timeout"
}

# vault-seed against the cluster's Vault, through the API server's service proxy.
vault_seed() {
  "$bin/vault-seed" --spec "${SF_SEED_SPEC:-$root/vault/seed.yaml}" --cluster "$cluster" --state-dir "$state" \
    --via-kube-service vault/vault:8200 --kubeconfig "$KUBECONFIG" "$@"
}

vault_read() { vault_seed --timeout 1m "$@"; }

up_vault_seed() { vault_seed --timeout "$timeout" -o table; }

# ESO reads the freshly seeded secrets now, and Argo CD syncs the root app now, instead of
# waiting out ESO's refresh interval and a failed wave's retry backoff.
up_refresh() {
  "$bin/kind-wait" --force-sync-secrets --sync application/argocd/root --retry-now --no-wait --timeout 2m
}

up_healthy() {
  "$bin/kind-wait" --for applications/argocd --degraded-grace "$degraded_grace" --timeout "$timeout"
}

# The smoke check (docs/infra-up.md, "The smoke check"): every UI through the ingress over TLS
# with our CA, refusing a request without credentials and answering one with them, and a
# connection a NetworkPolicy denies. The credentials go to curl in 0600 curl config files
# (curl -K) written by the tools, in a 0700 folder removed at the end: never on argv.
smoke_deadline=0

# probe WANT LABEL URL [CURL-ARGS...]: retries until the answer's code is one of WANT (e.g. 200,
# or 400|403) or the smoke deadline: after the last wave NGINX may need a reload or two.
probe() {
  local want=$1 label=$2 url=$3 code host
  shift 3
  host=${url#https://}
  host=${host%%/*}
  host=${host%%:*}
  while :; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$state/ingress-ca.crt" \
      --resolve "$host:$https_port:$smoke_addr" "$@" "$url" 2>&1) || true
    case "|$want|" in
      *"|$code|"*)
        say "  $label: $url answered $code, as it should"
        return 0
        ;;
    esac
    if [ "$SECONDS" -ge "$smoke_deadline" ]; then
      say "  $label: $url answered '$code', expected $want"
      return 1
    fi
    sleep 2
  done
}

up_smoke() {
  local dir=$state/smoke failed=0 deny_pid ui
  smoke_addr=$listen
  [ "$smoke_addr" = 0.0.0.0 ] && smoke_addr=127.0.0.1
  smoke_deadline=$((SECONDS + ${SF_SMOKE_SECONDS:-60}))
  umask 077 # this step's files (credentials, curl's cookie jar with Argo CD's session) are 0600
  rm -rf "$dir"
  mkdir "$dir"
  # The NetworkPolicy proof waits out its window (kindnetd drops denied packets): run it meanwhile.
  "$bin/kind-wait" --expect-denied service/demo/demo-db:6379 --deny-window "${SF_DENY_WINDOW:-5s}" --timeout 2m &
  deny_pid=$!
  # shellcheck disable=SC2064 # expanded now, on purpose
  trap "kill $deny_pid 2>/dev/null || true; rm -rf '$dir'" EXIT
  for ui in opencost prometheus; do
    vault_read get "secret/platform/$ui/basic-auth" --format curl-config --out "$dir/$ui.curl"
  done
  vault_read token --format curl-config --out "$dir/vault.curl"
  "$bin/kind-wait" --secret argocd/argocd-initial-admin-secret/password --format argocd-login \
    --out "$dir/argocd-login.curl" --timeout 1m
  probe 401 "OpenCost without credentials" "$(ui_url opencost)/" || failed=1
  probe 200 "OpenCost with its basic auth" "$(ui_url opencost)/" -K "$dir/opencost.curl" || failed=1
  probe 401 "Prometheus without credentials" "$(ui_url prometheus)/-/ready" || failed=1
  probe 200 "Prometheus with its basic auth" "$(ui_url prometheus)/-/ready" -K "$dir/prometheus.curl" || failed=1
  probe 401 "Argo CD API without a session" "$(ui_url argocd)/api/v1/applications" || failed=1
  probe 200 "Argo CD login as admin" "$(ui_url argocd)/api/v1/session" -K "$dir/argocd-login.curl" \
    -c "$dir/argocd.jar" || failed=1
  probe 200 "Argo CD API with the session" "$(ui_url argocd)/api/v1/applications" -b "$dir/argocd.jar" || failed=1
  probe 200 "Vault UI" "$(ui_url vault)/ui/" || failed=1
  # Vault answers a request without a token 403 "permission denied" (400 in some releases).
  probe '400|403' "Vault API without a token" "$(ui_url vault)/v1/auth/token/lookup-self" || failed=1
  probe 200 "Vault API with vault-seed's token" "$(ui_url vault)/v1/auth/token/lookup-self" -K "$dir/vault.curl" ||
    failed=1
  if wait "$deny_pid"; then
    say "  NetworkPolicy: the API server's connection to demo/demo-db:6379 is denied, as it should be"
  else
    say "  NetworkPolicy: demo/demo-db:6379 was not denied (above): are NetworkPolicies enforced (kindnetd)?"
    failed=1
  fi
  return $failed
}

ui_url() { if [ "$https_port" = 443 ]; then echo "https://$1.$domain"; else echo "https://$1.$domain:$https_port"; fi; }

up_report() {
  local ui
  echo
  echo "The platform is up (cluster $cluster). UIs, over TLS from the local CA $state/ingress-ca.crt:"
  for ui in "${uis[@]}"; do printf '  %-11s %s\n' "$ui" "$(ui_url "$ui")"; done
  echo
  echo "Logging in (no secret is printed here; make credentials says where each one is):"
  echo "  Argo CD     user admin, password in the Secret argocd/argocd-initial-admin-secret"
  echo "  OpenCost    basic auth, user and password in Vault secret/platform/opencost/basic-auth"
  echo "  Prometheus  basic auth, user and password in Vault secret/platform/prometheus/basic-auth"
  echo "  Vault       the unseal shares and tokens are in $state/vault-init.json (0600): keep it safe"
  echo "  kubeconfig  export KUBECONFIG=$KUBECONFIG"
}

cmd_up() {
  step_total=17
  run_step "preflight: Docker, Terraform, memory, ports, inotify" "fix what preflight listed above and run again" up_preflight
  run_step "build the tools" "the tools do not build: see the compiler output above; make deps installs what is missing" up_build
  run_step "state folder $state" "cannot create $state (0700): check its parent's owner and free space" up_state_dir
  run_step "render the Kind cluster's settings (bootstrap/cluster)" \
    "render-manifests said what is wrong above; a changed setting replaces the cluster: make infra-up REPLACE=1 if you mean it" up_render_cluster
  run_step "terraform stage 1: the Kind cluster (terraform/cluster)" \
    "the cluster was not created: ports in use, inotify or Docker memory are the usual causes (docs/infra-up.md, known failures)" up_cluster
  run_step "wait for $((workers + 1)) nodes Ready" "nodes not Ready: kind-wait named the node and its condition above" up_nodes
  run_step "run-time facts from the kind network (render-manifests facts)" \
    "no MetalLB range from 'docker network inspect kind': render-manifests said why above" up_facts
  run_step "local CA and ingress certificate (openssl, into the state folder)" "cannot make the ingress CA: see openssl's message above" up_ingress_ca
  run_step "render the root Application and namespaces (bootstrap/platform)" "render-manifests said what is wrong above" up_render_platform
  run_step "terraform stage 2: Git server, Argo CD, root Application (terraform/platform)" \
    "Argo CD did not install: see Helm's error above; on a slow line raise TF_VAR_helm_timeout_seconds" up_platform
  run_step "wait for Argo CD to roll out" "Argo CD is not rolled out: kind-wait named the deployment above" up_argocd
  run_step "wait for Vault's pod (sealed is fine)" "Vault's pod does not run: look at the vault Application in Argo CD" up_vault_pod
  run_step "vault-seed through the API server's service proxy" \
    "vault-seed failed: its message above names the step; the init file is in $state" up_vault_seed
  run_step "refresh now: External Secrets force-sync, Argo CD sync of the root app" \
    "could not ask Argo CD to sync: kind-wait said why above (an operation already running?)" up_refresh
  run_step "wait for every Application Synced and Healthy" \
    "not every Application is healthy: kind-wait named it and its message above; make status shows the rest" up_healthy
  run_step "smoke check: every UI through the ingress over TLS" \
    "a UI did not answer as it should (above): is the ingress controller running, and $https_port this cluster's port?" up_smoke
  run_step "report" "cannot print the report" up_report
}

# ---------------------------------------------------------------------------------------------
# make infra-down: the cluster and every file of it go; the Vault init file and the local CA
# (which a browser may trust) stay unless PURGE=1.

down_cluster() {
  if [ ! -s "$state/cluster.tfstate" ]; then
    say "  no stage 1 state in $state: no cluster to destroy"
    return 0
  fi
  export_cluster_vars
  if [ ! -f "$TF_VAR_kind_config_path" ]; then
    say "  the kind config the cluster was made with is gone; terraform needs it to destroy: make infra-up renders it again"
    return 1
  fi
  tf_cluster init -input=false -reconfigure -backend-config="path=$state/cluster.tfstate" >&2
  tf_cluster destroy -input=false -auto-approve >&2
}

down_files() {
  [ -d "$state" ] || return 0
  # Stage 2 is not destroyed: its releases lived in the cluster that is gone.
  rm -rf "$state/platform.tfstate" "$state/platform.tfstate.backup" "$state/cluster.tfstate" \
    "$state/cluster.tfstate.backup" "$state/kubeconfig" "$state/kubeconfig.lock" "$state/containerd-certs.d" \
    "$state/bootstrap" "$state/terraform" "$state/kind-facts.env" "$state/ingress.crt" "$state/ingress.key" \
    "$state/vault-init.json.lock"
  if [ "${SF_PURGE:-0}" = 1 ]; then
    rm -f "$state/ingress-ca.crt" "$state/ingress-ca.key" "$state"/vault-init.json*
  else
    local kept
    kept=$(cd "$state" && ls -A)
    [ -z "$kept" ] || say "  kept in $state (PURGE=1 removes them): $(tr '\n' ' ' <<<"$kept")"
  fi
  rmdir "$state" 2>/dev/null || true
}

down_check() {
  local left
  left=$("$docker" ps -aq --filter "label=io.x-k8s.kind.cluster=$cluster")
  if [ -n "$left" ]; then
    say "  containers of cluster $cluster left behind: docker rm -f $(tr '\n' ' ' <<<"$left")"
    return 1
  fi
}

cmd_down() {
  step_total=3
  run_step "terraform destroy: the Kind cluster $cluster" \
    "terraform destroy failed (above); docker ps -a --filter label=io.x-k8s.kind.cluster=$cluster shows what is left" down_cluster
  run_step "remove the cluster's files from $state" "cannot remove files in $state" down_files
  run_step "check that no container is left" "remove them, then run make infra-down again" down_check
}

# ---------------------------------------------------------------------------------------------
# make sync, make status, make credentials

have_cluster() {
  [ -s "$KUBECONFIG" ] && return 0
  say "no kubeconfig at $KUBECONFIG: is the platform up (make infra-up) with this CLUSTER / STATE_DIR?"
  exit 1
}

cmd_sync() {
  have_cluster
  exec "$bin/kind-wait" --force-sync-secrets --sync application/argocd/root --retry-now --for applications/argocd \
    --timeout "$timeout"
}

cmd_status() {
  have_cluster
  exec "$bin/kind-wait" --for "nodes=$((workers + 1))" --for applications/argocd --degraded-grace 0 \
    --timeout "${SF_STATUS_TIMEOUT:-10s}" -o jsonl
}

# make credentials NAME=...: the one credential asked for by name, on stdout (and nothing else).
credential() {
  have_cluster
  case $1 in
    argocd) exec "$bin/kind-wait" --secret argocd/argocd-initial-admin-secret/password --timeout 30s ;;
    opencost | prometheus) vault_read get "secret/platform/$1/basic-auth" --format json ;;
    demo-db) vault_read get secret/apps/demo/db --format json ;;
    vault) vault_read token ;;
    *)
      say "make credentials NAME='$1': no such credential; NAME is one of argocd, opencost, prometheus, vault, demo-db"
      exit 2
      ;;
  esac
}

cmd_credentials() {
  if [ -n "${SF_CREDENTIAL:-}" ]; then
    credential "$SF_CREDENTIAL"
    return
  fi
  cat <<EOF
Where each credential of cluster $cluster is (no value is printed):
  Argo CD admin      Secret argocd/argocd-initial-admin-secret, key password (user admin);
                     Argo CD deletes it once you change the password.
  OpenCost UI        Vault secret/platform/opencost/basic-auth, keys username and password
  Prometheus UI      Vault secret/platform/prometheus/basic-auth, keys username and password
  Vault              $state/vault-init.json (0600): unseal shares, and the seed token that reads
                     the secrets above (its vault_seed record); the root token is revoked after
                     the first run.
  Ingress CA         $state/ingress-ca.crt (trust it in your browser to avoid the warning)
  kubeconfig         $KUBECONFIG
One of them, on stdout: make credentials NAME=argocd|opencost|prometheus|vault|demo-db
(argocd: the admin password; opencost, prometheus, demo-db: JSON of the keys; vault: the
seed token, scoped to what vault/seed.yaml manages).
EOF
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  sync) cmd_sync ;;
  status) cmd_status ;;
  credentials) cmd_credentials ;;
  *)
    echo "usage: scripts/infra-up.sh up|down|sync|status|credentials (run through make: make help)" >&2
    exit 2
    ;;
esac
