#!/bin/bash
# A/B of kvmplay versions on the same machine, for changes smaller than the
# machine's drift: alternates the given checkouts (each with node_modules),
# each on a fresh N-host lab (`bench`, 198.19 or $NET — not beside another lab there) once it
# has settled, and prints the wall time and the machine's busy CPU-ms
# (/proc/stat) of the migration's first run and of its no-op re-run.
#   bash bench/ab.sh OLD_CHECKOUT NEW_CHECKOUT      (N=20 ROUNDS=3 PROFILE=none by default)
# e.g. git worktree add /tmp/old HEAD~1 && ln -s "$PWD/node_modules" /tmp/old/ && bash bench/ab.sh /tmp/old .
set -u
cd "$(dirname "$0")/.."
n=${N:-20}
rounds=${ROUNDS:-3}
kvmplay() { node bin/kvmplay.mjs "$@"; }
busy() { read -r _ u n s i _ </proc/stat; echo $((u + n + s)) $i; }
trap 'kvmplay lab down --name bench >/dev/null 2>&1' EXIT
for r in $(seq "$rounds"); do
  for v in "$@"; do
    kvmplay lab down --name bench >/dev/null 2>&1
    kvmplay lab up "$n" ${PROFILE:+--profile "$PROFILE"} --name bench --net "${NET:-198.19}" --dir /tmp/kvmplay-bench >/dev/null 2>&1 || { echo "lab up failed (another lab on 198.19?)" >&2; exit 1; }
    # Settled: under 5 % busy over half a second (the guests finish booting after `up`).
    for _ in $(seq 60); do
      read -r b0 i0 < <(busy); sleep 0.5; read -r b1 i1 < <(busy)
      [ $(((b1 - b0) * 100)) -lt $(((b1 - b0 + i1 - i0) * 5)) ] && break
    done
    for phase in first no-op; do
      read -r b0 _ < <(busy)
      start=$(date +%s%N)
      (cd "$v" && node bin/kvmplay.mjs run playbooks/migrate-nat-to-bridge.play.ts -i /tmp/kvmplay-bench/inventory.yaml --forks 100 >/dev/null 2>&1) || echo "run failed: $v" >&2
      end=$(date +%s%N)
      read -r b1 _ < <(busy)
      echo "round $r  $v  $phase  wall $(((end - start) / 1000000)) ms  busy $(((b1 - b0) * 10)) CPU-ms"
      sleep 1
    done
  done
done
