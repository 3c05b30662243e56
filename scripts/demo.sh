#!/usr/bin/env bash
# The main job, for now: a lab of three simulated hypervisors and a first
# command across it. (`kvmplay run` of the migration playbooks comes next.)
set -euo pipefail
cd "$(dirname "$0")/.."
kvmplay() { node bin/kvmplay.mjs "$@"; }

count=${1:-3}
kvmplay lab up "$count"
kvmplay lab status
for i in $(seq 1 "$count"); do
  kvmplay lab ssh "h$i" 'echo "== $(hostname): $(ip -br addr show eth0)"; virsh net-list --all | sed -n 3p; virsh list --all | sed -n "3,\$p"'
done
echo "The lab stays up for you: kvmplay lab ssh h1 · kvmplay lab down"
