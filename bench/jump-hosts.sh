#!/bin/bash
# The cost of a jump host, and a fleet behind one: the seed's migration on N
# lab hosts reached directly, then through one bastion (lab up --jump 1; sshd's
# default MaxStartups on the bastion); then MANY hosts behind the bastion with
# a simple playbook (custom-task), wall time and controller max RSS (GNU time).
# Uses the test lab (name test, 198.19) and brings it down at the end: run it
# under the lab lock:
#   flock /tmp/kvmplay-lab.lock bash bench/jump-hosts.sh [N=10] [MANY=100]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10}
MANY=${2:-100}
K="node bin/kvmplay.mjs"
LAB="--name test --net 198.19 --dir /tmp/kvmplay-test"
D=/tmp/kvmplay-test
timed() { /usr/bin/time -f "  $1: %e s wall, %M KiB controller max RSS, exit %x" "${@:2}" >/dev/null 2>/tmp/jump-bench.err || true; grep -v '^\s*$' /tmp/jump-bench.err | tail -1; }
# The lab's hosts keep their network in no system: the inventory says ifcfg, as the lab's own does.
names() { printf 'hypervisors:\n  vars:\n    network_backend: ifcfg\n  hosts:\n'; for i in $(seq 1 "$1"); do printf '    h%s:\n' "$i"; done; }
trap '$K lab down $LAB >/dev/null 2>&1 || true' EXIT

$K lab down $LAB >/dev/null
echo "== $N hosts, direct"
$K lab up "$N" --jump 0 $LAB 2>/dev/null | head -1
timed "migration, first run" $K run playbooks/migrate-nat-to-bridge.play.ts -i $D/inventory.yaml
timed "migration, no-op run" $K run playbooks/migrate-nat-to-bridge.play.ts -i $D/inventory.yaml

$K lab down $LAB >/dev/null
echo "== $N hosts behind one jump host (inventory of names only, -F ssh_config)"
$K lab up "$N" --jump 1 $LAB 2>/dev/null | head -1
names "$N" >$D/names.yaml
timed "migration, first run" $K run playbooks/migrate-nat-to-bridge.play.ts -i $D/names.yaml -F $D/ssh_config
timed "migration, no-op run" $K run playbooks/migrate-nat-to-bridge.play.ts -i $D/names.yaml -F $D/ssh_config
echo "  bastion logins for both runs: $(grep -c 'Accepted publickey' $D/hosts/j1/upper/var/log/sshd.log)"
timed "ansible -m ping, same inventory (-f $N)" env ANSIBLE_HOST_KEY_CHECKING=True ansible -i $D/inventory.yaml all -m ping -f "$N"

echo "== $MANY hosts behind one jump host"
start=$(date +%s)
$K lab up "$MANY" --jump 1 $LAB 2>/dev/null | head -1
names "$MANY" >$D/names.yaml
timed "custom-task, first run (--forks 100)" $K run playbooks/custom-task.play.ts -i $D/names.yaml -F $D/ssh_config --forks 100
timed "custom-task, no-op run (--forks 100)" $K run playbooks/custom-task.play.ts -i $D/names.yaml -F $D/ssh_config --forks 100 --json
$K run playbooks/custom-task.play.ts -i $D/names.yaml -F $D/ssh_config --forks 100 --json | tail -1 | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8")); const h = Object.values(r.hosts)
  console.log(`  recap of a third run: ${h.length} hosts, ${h.filter((x) => x.unreachable).length} unreachable, ${h.reduce((a, x) => a + x.changed, 0)} changed, exit ${r.exitCode}`)'
grep -c 'drop connection' $D/hosts/j1/upper/var/log/sshd.log | sed 's/^/  bastion sshd drops (MaxStartups): /' || true
