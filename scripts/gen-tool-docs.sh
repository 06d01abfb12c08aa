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
# --help read whole once: an awk that exits early on a pipe would make the tool report the
# closed pipe (its output is checked) and fail the build under pipefail.
help=$("$bin" --help)
for what in "$@"; do
  case "$what" in
    completion)
      mkdir -p "$share/bash-completion/completions"
      out="$share/bash-completion/completions/$name.tmp"
      if "$bin" --completion bash > "$out" 2>/dev/null; then
        :
      else
        # A tool with commands (render-manifests facts|render|...): the commands from its --help
        # "Commands:" list, each command's own completion function, and a dispatcher.
        commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' <<<"$help")
        [ -n "$commands" ] || { echo "gen-tool-docs: $name has neither --completion nor a Commands: list" >&2; exit 2; }
        function=_sf_$(printf '%s' "$name" | tr -c 'A-Za-z0-9\n' '_')
        {
          echo "# bash completion for $name and its commands, generated from their own option tables"
          for c in $commands; do "$bin" "$c" --completion bash; done
          echo "$function() {"
          echo '  if [ "$COMP_CWORD" -le 1 ]; then'
          echo "    COMPREPLY=(\$(compgen -W \"$(echo $commands) --help -h --version\" -- \"\${COMP_WORDS[COMP_CWORD]}\")); return"
          echo '  fi'
          echo '  case "${COMP_WORDS[1]}" in'
          for c in $commands; do echo "    $c) ${function}_$(printf '%s' "$c" | tr -c 'A-Za-z0-9\n' '_') ;;"; done
          echo '    *) COMPREPLY=() ;;'
          echo '  esac'
          echo '}'
          echo "complete -F $function $name"
        } > "$out"
      fi
      mv "$out" "$share/bash-completion/completions/$name"
      ;;
    man)
      command -v help2man >/dev/null || { echo "gen-tool-docs: help2man is missing: scripts/install-deps.sh build" >&2; exit 2; }
      # NAME line: the first sentence of the summary (the paragraph after the usage lines).
      # (--help: "Usage: ..." and indented usage lines, a blank line, then the summary paragraph.)
      summary=$(awk '/^$/ { blanks++; next } blanks == 1 { printf "%s ", $0 } blanks > 1 { exit }' <<<"$help")
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
