#!/usr/bin/env bash
# Flags risky patterns in one service's source; writes findings/<service>.txt, one "file:line: what"
# per finding (never the matching text itself, which may be a secret).
set -u
dir=$1
name=$(basename "$dir")
mkdir -p findings
flag() { grep -rnE "$1" "$dir" | cut -d: -f1,2 | sed "s|\$|: $2|"; }
{
  flag 'eval\(' "eval of caller input"
  flag '(KEY|SECRET|PASSWORD|TOKEN)[A-Z_]* *= *"[^"]+"' "hard-coded secret"
  flag '(const|let|var) [A-Z_]+ *= *["`]http://' "plain http to a backend"
  flag 'innerHTML *=' "HTML injection (innerHTML)"
} > "findings/$name.txt"
echo "$name: $(wc -l < "findings/$name.txt") findings"
