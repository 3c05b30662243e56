#!/usr/bin/env bash
# The main job: a lab of simulated hypervisors (3 by default), then the seed's
# fleet migration across it — bridge br0 over each uplink keeping its address,
# every guest NIC moved from libvirt's NAT `default` network to br0 keeping its
# MAC, `default` destroyed — checked first, then run, then run again (no change),
# then every host power-cycled and read back.
set -euo pipefail
cd "$(dirname "$0")/.."
kvmplay() { node bin/kvmplay.mjs "$@"; }
count=${1:-3}
# A fleet as real ones are mixed: the seed's CentOS 7 (network scripts), RHEL 9 (NetworkManager),
# a Debian cloud image (ifupdown), Ubuntu Server (netplan on networkd), plain networkd, Proxmox-style
# ifupdown2 — host N takes the Nth, round-robin; kvmplay tells each host's system from its facts.
profiles=${KVMPLAY_DEMO_PROFILES:-network-scripts,networkmanager,ifupdown-cloud,netplan-networkd-installer,networkd,ifupdown2}
play=playbooks/migrate-nat-to-bridge.play.ts

kvmplay lab up "$count" --profile "$profiles"
dir=$(node -e "console.log(process.env.KVMPLAY_LAB_DIR || '/tmp/kvmplay-lab')")
inventory=$dir/inventory.yaml
# The migration report: each guest's NAT address before the move and what it is after (the way back reads it too).
report=$dir/migration-report.json
echo; echo "### what would change (--check):"
kvmplay run "$play" -i "$inventory" --check
echo; echo "### the migration:"
kvmplay run "$play" -i "$inventory" --report "$report"
echo; echo "### again — nothing left to change:"
kvmplay run "$play" -i "$inventory" --report "$report"
echo; echo "### a power cycle of every host — each comes back bridged from its own files:"
kvmplay lab reboot --all
echo; echo "### on the hosts:"
for i in $(seq 1 "$count"); do
  kvmplay lab ssh "h$i" 'echo "== $(hostname): $(ip -br addr show br0 | tr -s " ")"; virsh net-list --all --name | xargs echo " networks:"; for d in $(virsh -q list --all --name); do virsh -q domiflist $d | sed "s/^/  $d /"; done'
done
echo "The migration report: $report (the way back: kvmplay run playbooks/migrate-bridge-to-nat.play.ts -i $inventory -e report=$report)"
echo "The lab stays up for you: kvmplay lab ssh h1 · kvmplay lab down"
