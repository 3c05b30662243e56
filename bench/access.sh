#!/bin/bash
# What each way in costs kvmplay: the migration's first run and no-op at N
# hosts, logged in as root directly, through a bastion, as a sudo user, and
# as a sudo user through a bastion — the four taking turns on fresh labs,
# ROUNDS times, so that the machine's drift lands on all of them alike.
# Prints each round's wall times and the medians. Uses the bench lab (198.19):
# run it under the lab lock.
#   flock /tmp/kvmplay-lab.lock bash bench/access.sh [N=20] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
rounds=${2:-3}
out=$(mktemp -d /tmp/kvmplay-access.XXXXXX)
trap 'rm -rf "$out"' EXIT
for r in $(seq "$rounds"); do
  for access in root jump sudo sudo-jump; do
    node --import tsx bench/migrate.ts "$n" --tools kvmplay --access "$access" >"$out/$access-$r.txt" 2>&1 || { cat "$out/$access-$r.txt" >&2; exit 1; }
    grep -o 'first [0-9.]* s, no-op [0-9.]* s' "$out/$access-$r.txt" | sed "s/^/round $r $access: /"
  done
done | tee "$out/all"
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "medians of $rounds rounds (first run / no-op, s):"
for access in root jump sudo sudo-jump; do
  first=$(grep " $access: " "$out/all" | awk '{print $5}' | median)
  noop=$(grep " $access: " "$out/all" | awk '{print $8}' | median)
  printf '  %-10s %s / %s\n' "$access" "$first" "$noop"
done
