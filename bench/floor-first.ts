/**
 * The first run's floor: what the migration has to do on a host, written by
 * hand for the bench lab, as one shell script run in one OpenSSH session —
 * no facts gathered, no diff, no second login, no probe, no rollback armed:
 * the physical limit a tool with a safety net is measured against. It must
 * reach the end state bench/verify.ts checks, like every tool.
 *
 * The interface XML comes from the lab's plan (MAC, model, PCI slot 3, as
 * src/lab/ defines the guests), so nothing is read first; libvirt's calls go
 * through one virsh process (its commands `;`-separated).
 */
import type { HostPlan } from '../src/lab/addressing.ts'

const ifcfgBridge = (h: HostPlan) => `DEVICE=br0
NAME=br0
TYPE=Bridge
BOOTPROTO=none
ONBOOT=yes
NM_CONTROLLED=no
IPADDR=${h.address}
PREFIX=${h.prefix}
GATEWAY=${h.gateway}
DNS1=${h.gateway}
STP=no
DELAY=0
`

const ifcfgPort = (h: HostPlan) => `DEVICE=${h.uplink}
NAME=${h.uplink}
TYPE=Ethernet
BOOTPROTO=none
ONBOOT=yes
HWADDR=${h.mac}
NM_CONTROLLED=no
BRIDGE=br0
`

const iface = (mac: string, model: string) =>
  `<interface type='bridge'><mac address='${mac}'/><source bridge='br0'/><model type='${model}'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>`

/** The whole migration of one lab host (profile none), as one script. */
export function floorFirstScript(h: HostPlan): string {
  const dir = '/tmp/kvmplay-floor'
  const guests = h.domains.map((d) => `update-device ${d.name} ${dir}/${d.name}.xml ${d.running ? '--live ' : ''}--config`).join('; ')
  return [
    'set -e',
    `mkdir -p ${dir}`,
    "grep -q '^net.ipv4.ip_forward = 1$' /etc/sysctl.conf || echo 'net.ipv4.ip_forward = 1' >> /etc/sysctl.conf",
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    `cat > /etc/sysconfig/network-scripts/ifcfg-br0 <<'EOF'\n${ifcfgBridge(h)}EOF`,
    `cat > /etc/sysconfig/network-scripts/ifcfg-${h.uplink} <<'EOF'\n${ifcfgPort(h)}EOF`,
    `ip -batch - <<'EOF'
link add br0 type bridge stp_state 0 forward_delay 0
link set br0 address ${h.mac}
link set br0 up
link set ${h.uplink} master br0
addr add ${h.address}/${h.prefix} dev br0
addr flush dev ${h.uplink} scope global
route replace default via ${h.gateway} dev br0
EOF`,
    `echo "<network><name>br0</name><forward mode='bridge'/><bridge name='br0'/></network>" > ${dir}/br0.xml`,
    ...h.domains.map((d) => `echo "${iface(d.mac, d.model)}" > ${dir}/${d.name}.xml`),
    `virsh -q "net-define ${dir}/br0.xml; net-autostart br0; net-start br0; ${guests}; net-destroy default; net-undefine default" >/dev/null`,
  ].join('\n')
}
