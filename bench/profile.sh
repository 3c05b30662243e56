#!/bin/bash
# Where a first run's time goes, machine-wide: a fresh N-host lab (`bench`,
# 198.19 — not while the tests run), then one kvmplay migration under
# `perf record -a` and BSD process accounting. Prints the machine's busy and
# idle CPU, CPU by command (perf: kernel time included), how many processes of
# each command ran on the hosts (accounting), and each task's mean duration.
#   bash bench/profile.sh [N=20]        (needs: apt-get install linux-perf acct)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
out=$(mktemp -d /tmp/kvmplay-profile.XXXXXX)
kvmplay() { node bin/kvmplay.mjs "$@"; }
for tool in perf accton sa; do command -v $tool >/dev/null || { echo "needs $tool: apt-get install linux-perf acct" >&2; exit 4; }; done

trap 'accton off >/dev/null 2>&1 || true; kvmplay lab down --name bench >/dev/null; rm -rf "$out"' EXIT
kvmplay lab down --name bench >/dev/null
kvmplay lab up "$n" --name bench --net 198.19 --dir /tmp/kvmplay-bench >/dev/null 2>&1

touch "$out/pacct"
perf record -a -F 499 -o "$out/perf.data" >/dev/null 2>&1 &
perf_pid=$!
sleep 0.5
accton "$out/pacct" >/dev/null
read -r _ u0 n0 s0 i0 _ </proc/stat
start=$(date +%s%N)
kvmplay run playbooks/migrate-nat-to-bridge.play.ts -i /tmp/kvmplay-bench/inventory.yaml --forks 100 --json >"$out/run.json"
end=$(date +%s%N)
read -r _ u1 n1 s1 i1 _ </proc/stat
accton off >/dev/null
sync "$out/pacct"
kill -INT $perf_pid
wait $perf_pid || true

echo "N=$n first run: $(((end - start) / 1000000)) ms wall; machine busy $(((u1 + n1 + s1 - u0 - n0 - s0) * 10)) ms, idle $(((i1 - i0) * 10)) ms (CPU-ms, 2 cores)"
echo
echo "CPU by command (perf, % of samples):"
perf report -i "$out/perf.data" --sort comm --no-children -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
echo
echo "processes run (process accounting): count, CPU-s (own, after exec), command (* = forked, no exec)"
sa -a -j "$out/pacct" 2>/dev/null | awk 'NR > 1 { for (i = 2; i < NF; i++) if ($i ~ /cp$/) cpu = $i * $1; printf "  %5d %6.2f %s\n", $1, cpu, $NF }' | sort -k2 -rn | head -20
echo
echo "task means:"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l))
const by = new Map()
for (const e of lines) if (e.type === "task") by.set(e.task, [...(by.get(e.task) ?? []), e.durationMs])
for (const [task, ms] of by) console.log(`  ${task.padEnd(48)} ${(ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(2)} s`)
' "$out/run.json"
