#!/usr/bin/env bash
# Generates a tool's man page (help2man over its own --help and --version) and its bash
# completion (its hidden --completion bash, built from the same option table), so neither can
# drift from the real flags. Run by the build for every tool (cmake/SfTool.cmake).
# Usage: scripts/gen-tool-docs.sh BINARY SHARE_DIR [man|completion]...
set -euo pipefail
bin=$1
share=$2
shift 2
name=$(basename "$bin")
for what in "$@"; do
  case "$what" in
    completion)
      mkdir -p "$share/bash-completion/completions"
      "$bin" --completion bash > "$share/bash-completion/completions/$name.tmp"
      mv "$share/bash-completion/completions/$name.tmp" "$share/bash-completion/completions/$name"
      ;;
    man)
      command -v help2man >/dev/null || { echo "gen-tool-docs: help2man is missing: scripts/install-deps.sh build" >&2; exit 2; }
      # NAME line: the first sentence of the summary (the paragraph after the usage lines).
      # (--help: "Usage: ..." and indented usage lines, a blank line, then the summary paragraph.)
      summary=$("$bin" --help | awk '/^$/ { blanks++; next } blanks == 1 { printf "%s ", $0 } blanks > 1 { exit }')
      summary=${summary%% }
      summary=${summary%%. *}
      summary=${summary%.}
      mkdir -p "$share/man/man1"
      help2man --no-info --no-discard-stderr --name="$summary" --output="$share/man/man1/$name.1.tmp" "$bin"
      mv "$share/man/man1/$name.1.tmp" "$share/man/man1/$name.1"
      ;;
    *) echo "gen-tool-docs: unknown output '$what' (man, completion)" >&2; exit 2 ;;
  esac
done
