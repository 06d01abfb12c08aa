#!/usr/bin/env bash
# Adds one Kind cluster's context to a user's kubeconfig, or takes it out again, without
# writing over the file blindly: kind's own lock file (<target>.lock, O_EXCL), client-go's
# merge rules (kubectl config view), a check that no existing context was lost, a backup
# (<target>.sovereign-finops.bak, 0600) and an atomic rename. terraform/cluster runs it when
# merge_kubeconfig = true.
#
#   kubeconfig-merge.sh merge  SOURCE TARGET CONTEXT   # SOURCE = the state folder's kubeconfig
#   kubeconfig-merge.sh remove TARGET CONTEXT
#
# kind names the cluster, the user and the context alike (kind-<name>). Needs kubectl
# (SF_KUBECTL overrides it) unless TARGET does not exist yet.
set -euo pipefail

kubectl=${SF_KUBECTL:-kubectl}
fail() { echo "kubeconfig-merge: $1" >&2; exit "${2:-1}"; }
names() { "$kubectl" --kubeconfig "$1" config "$2" -o name 2>/dev/null || "$kubectl" --kubeconfig "$1" config "$2" | tail -n +2; }
# has FILE SECTION NAME: the list is read whole first (grep -q on a pipe would cut it short).
has() { local list; list=$(names "$1" "$2") && grep -qxF "$3" <<<"$list"; }

lock() {
  mkdir -p "$(dirname "$target")"
  if ! (set -o noclobber; : >"$target.lock") 2>/dev/null; then
    fail "$target.lock exists: kind or another merge is writing $target. If none is running, the lock is stale: rm '$target.lock'"
  fi
  trap 'rm -f "$target.lock" "${tmp:-}"' EXIT
  tmp=$(mktemp "$target.XXXXXX")  # same folder, so the rename is atomic; mktemp makes it 0600
}

replace_target() {
  [ -s "$tmp" ] || fail "the merged kubeconfig came out empty; $target is unchanged"
  if [ -e "$target" ]; then
    cp -p "$target" "$target.sovereign-finops.bak" && chmod 0600 "$target.sovereign-finops.bak"
  fi
  chmod 0600 "$tmp"
  mv -f "$tmp" "$target"
}

require_kubectl() {
  command -v "$kubectl" >/dev/null || fail "kubectl is needed to merge into an existing $target (or set merge_kubeconfig = false and use KUBECONFIG=<state folder>/kubeconfig)" 2
}

case "${1:-}" in
  merge)
    [ $# -eq 4 ] || fail "usage: $0 merge SOURCE TARGET CONTEXT" 2
    source=$2 target=$3 context=$4
    [ -s "$source" ] || fail "$source is missing or empty: the cluster stage writes it first" 2
    lock
    if [ -e "$target" ]; then
      require_kubectl
      # The first file wins for an entry of the same name: the new kind-<name> replaces a
      # stale one, every other entry comes from the user's file (paths stay paths: --raw, not
      # --flatten). current-context becomes the new cluster's, as `kind create cluster` does.
      KUBECONFIG="$source:$target" "$kubectl" config view --raw >"$tmp" ||
        fail "kubectl could not read $source and $target together; $target is unchanged"
      for name in $(names "$target" get-contexts); do
        has "$tmp" get-contexts "$name" || fail "the merge would lose context $name; $target is unchanged"
      done
    else
      cp "$source" "$tmp"
    fi
    if command -v "$kubectl" >/dev/null; then
      has "$tmp" get-contexts "$context" || fail "$source holds no context $context; $target is unchanged"
    fi
    replace_target
    echo "kubeconfig-merge: added $context to $target"
    ;;
  remove)
    [ $# -eq 3 ] || fail "usage: $0 remove TARGET CONTEXT" 2
    target=$2 context=$3
    [ -e "$target" ] || exit 0
    require_kubectl
    has "$target" get-contexts "$context" || exit 0
    lock
    cp "$target" "$tmp"
    k() { "$kubectl" --kubeconfig "$tmp" config "$@" >/dev/null; }
    if [ "$("$kubectl" --kubeconfig "$tmp" config current-context 2>/dev/null || true)" = "$context" ]; then
      k unset current-context
    fi
    k delete-context "$context"
    if has "$tmp" get-clusters "$context"; then k delete-cluster "$context"; fi
    if has "$tmp" get-users "$context"; then k delete-user "$context"; fi
    replace_target
    echo "kubeconfig-merge: removed $context from $target"
    ;;
  *)
    fail "usage: $0 merge SOURCE TARGET CONTEXT | remove TARGET CONTEXT" 2
    ;;
esac
