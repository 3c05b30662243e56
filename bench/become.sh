#!/bin/bash
# What become costs: the seed's migration on a fresh N-host lab logged in to
# as root, then (fresh again) as a sudo user with a password, as a NOPASSWD
# sudo user, and as a doas user; each the first run and the no-op re-run,
# wall time and the machine's CPU. Uses the test lab (198.19): run it under
# the lab lock, never beside the tests.
#   flock /tmp/kvmplay-lab.lock bash bench/become.sh [N=5] [logins=root,sudo,sudo-nopasswd,doas]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
logins=${2:-root,sudo,sudo-nopasswd,doas}
lab=(--name test --net 198.19 --dir /tmp/kvmplay-test)
kvmplay() { node bin/kvmplay.mjs "$@"; }
out=$(mktemp /tmp/kvmplay-become-bench.XXXXXX)
cpu() { awk '/^cpu /{print $2 + $3 + $4}' /proc/stat; }
timed() { # label, then the command: wall ms and machine CPU ms (2 cores)
  local label=$1; shift
  local c0 t0 c1 t1
  c0=$(cpu); t0=$(date +%s%N)
  "$@" >"$out" || { echo "$label: exit $?" >&2; tail -3 "$out" >&2; exit 1; }
  t1=$(date +%s%N); c1=$(cpu)
  printf '  %-9s %6d ms wall %6d CPU-ms\n' "$label" $(((t1 - t0) / 1000000)) $(((c1 - c0) * 10))
}
trap 'kvmplay lab down "${lab[@]}" >/dev/null; rm -f "$out"' EXIT
for login in ${logins//,/ }; do
  kvmplay lab down "${lab[@]}" >/dev/null
  kvmplay lab up "$n" --login "$login" "${lab[@]}" >/dev/null 2>&1
  pw=()
  case $login in sudo | doas | su) pw=(--become-password-file /tmp/kvmplay-test/become-password) ;; esac
  echo "N=$n login=$login"
  for run in first no-op; do
    timed "$run" kvmplay run playbooks/migrate-nat-to-bridge.play.ts -i /tmp/kvmplay-test/inventory.yaml "${pw[@]}" --json
  done
done
