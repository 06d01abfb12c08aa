#!/usr/bin/env bash
# Checks this machine can run the platform before `make infra-up` creates anything: Docker
# reachable, Terraform new enough, memory, ports 80/443 free, inotify limits. Runs every check,
# prints what is wrong and the command that fixes it, and exits 1 if any check failed.
#
# Environment (defaults in brackets); the commands and /proc are overridable for tests:
#   SF_DOCKER [docker]  SF_TERRAFORM [terraform]  SF_PROC_DIR [/proc]
#   SF_CLUSTER_NAME [sovereign-finops]  SF_LISTEN_ADDRESS [127.0.0.1]
#   SF_HTTP_PORT [80]  SF_HTTPS_PORT [443]  SF_MIN_MEMORY_MIB [6144]
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docker=${SF_DOCKER:-docker}
terraform=${SF_TERRAFORM:-terraform}
proc=${SF_PROC_DIR:-/proc}
cluster=${SF_CLUSTER_NAME:-sovereign-finops}
listen=${SF_LISTEN_ADDRESS:-127.0.0.1}
ports=("${SF_HTTP_PORT:-80}" "${SF_HTTPS_PORT:-443}")
# 6 GiB: the three node containers (control plane ~1 GiB, workers ~0.3 GiB each) plus the
# platform's memory limits; docs/infra-up.md "Memory" shows the sum and where it comes from.
min_memory_mib=${SF_MIN_MEMORY_MIB:-6144}
# kind's known issues ("Pod errors due to too many open files"): Ubuntu's defaults, 8192 and
# 128, are not enough for a multi-node cluster; kind's docs raise them to these.
min_watches=524288
min_instances=512

failures=0
ok() { echo "preflight: ok    $1: $2" >&2; }
bad() {
  echo "preflight: FAIL  $1: $2" >&2
  shift 2
  for fix in "$@"; do echo "                 fix: $fix" >&2; done
  failures=$((failures + 1))
}

check_docker() {
  if ! command -v "$docker" >/dev/null; then
    bad docker "no '$docker' command" "install Docker: sudo apt-get install docker.io (Debian/Ubuntu), or Docker Desktop"
    return
  fi
  local out err
  err=$(mktemp)
  if ! out=$("$docker" info --format '{{.ServerVersion}} {{.MemTotal}}' 2>"$err"); then
    local why; why=$(grep -m1 -v '^\s*$' "$err" || true)
    rm -f "$err"
    if [[ $why == *"permission denied"* ]]; then
      bad docker "the Docker daemon refused this user: $why" "sudo usermod -aG docker \"\$USER\", then log out and in again"
    else
      bad docker "the Docker daemon does not answer: ${why:-docker info failed}" \
        "sudo systemctl start docker (Linux), or start Docker Desktop, then run: docker info"
    fi
    return
  fi
  rm -f "$err"
  docker_memory_bytes=${out#* }
  ok docker "Docker ${out%% *} reachable"
}

check_terraform() {
  local need
  need=$(sed -n 's/^ *required_version *= *">= *\([0-9.]*\)".*/\1/p' "$root/terraform/cluster/versions.tf")
  if ! command -v "$terraform" >/dev/null; then
    bad terraform "no '$terraform' command" "install Terraform $need or newer from HashiCorp's releases (it is not in Debian)"
    return
  fi
  local have
  have=$("$terraform" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9.]*\)".*/\1/p')
  if [ -z "$have" ]; then
    have=$("$terraform" version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p')
  fi
  if [ -z "$have" ]; then
    bad terraform "'$terraform version' printed no version" "reinstall Terraform $need or newer"
  elif [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    bad terraform "Terraform $have is older than the required $need (terraform/*/versions.tf)" \
      "install Terraform $need or newer from HashiCorp's releases"
  else
    ok terraform "Terraform $have (needs >= $need)"
  fi
}

check_memory() {
  local meminfo=$proc/meminfo
  if [ -r "$meminfo" ]; then
    local kib; kib=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' "$meminfo")
    if [ -z "$kib" ]; then
      bad memory "no MemAvailable line in $meminfo" "check that $meminfo is the kernel's (Linux 3.14 or newer)"
    elif [ $((kib / 1024)) -lt "$min_memory_mib" ]; then
      bad memory "$((kib / 1024)) MiB available, the platform needs $min_memory_mib MiB" \
        "close programs to free memory (free -m shows it), or run on a machine with more"
    else
      ok memory "$((kib / 1024)) MiB available (needs $min_memory_mib MiB)"
    fi
  fi
  # Docker Desktop runs the nodes in a VM whose size is what counts there.
  if [ -n "${docker_memory_bytes:-}" ] && [[ $docker_memory_bytes =~ ^[0-9]+$ ]]; then
    local mib=$((docker_memory_bytes / 1048576))
    if [ "$mib" -lt "$min_memory_mib" ]; then
      bad docker-memory "Docker may use $mib MiB in all, the platform needs $min_memory_mib MiB" \
        "Docker Desktop: Settings > Resources > Memory, at least $((min_memory_mib / 1024)) GiB"
    else
      ok docker-memory "Docker may use $mib MiB"
    fi
  fi
}

check_ports() {
  local published=""
  if [ -n "${docker_memory_bytes:-}" ]; then
    published=$("$docker" ps --filter "name=^/?${cluster}-control-plane\$" --format '{{.Ports}}' 2>/dev/null || true)
  fi
  local probe=$listen
  [ "$probe" = 0.0.0.0 ] && probe=127.0.0.1
  local port
  for port in "${ports[@]}"; do
    if [[ $published == *":${port}->"* ]]; then
      ok "port $port" "held by this platform's own cluster ${cluster} (a re-run)"
    elif (exec 3<>"/dev/tcp/$probe/$port") 2>/dev/null; then
      bad "port $port" "$listen:$port is in use by another program" \
        "find it: sudo ss -ltnp 'sport = :$port' (macOS: sudo lsof -iTCP:$port -sTCP:LISTEN), and stop it" \
        "or move the platform to free ports: make infra-up HTTP_PORT=8080 HTTPS_PORT=8443 (replaces an existing cluster: add REPLACE=1)"
    else
      ok "port $port" "$listen:$port is free"
    fi
  done
}

check_inotify() {
  local dir=$proc/sys/fs/inotify
  if [ ! -d "$dir" ]; then
    ok inotify "no $dir (not Linux): the limits that count are the Docker VM's"
    return
  fi
  local name want have
  for name in max_user_watches max_user_instances; do
    want=$min_watches
    [ $name = max_user_instances ] && want=$min_instances
    have=$(cat "$dir/$name" 2>/dev/null || echo "")
    if ! [[ $have =~ ^[0-9]+$ ]]; then
      bad "inotify $name" "cannot read $dir/$name" "check that $proc is mounted"
    elif [ "$have" -lt "$want" ]; then
      bad "inotify $name" "fs.inotify.$name is $have, a multi-node Kind needs $want (kind's known issues: too many open files)" \
        "sudo sysctl fs.inotify.$name=$want" \
        "to keep it after a reboot: echo 'fs.inotify.$name = $want' | sudo tee -a /etc/sysctl.d/99-kind.conf"
    else
      ok "inotify $name" "$have (needs $want)"
    fi
  done
}

check_docker
check_terraform
check_memory
check_ports
check_inotify

if [ "$failures" -gt 0 ]; then
  echo "preflight: $failures check(s) failed; fix them and run again" >&2
  exit 1
fi
echo "preflight: every check passed" >&2
