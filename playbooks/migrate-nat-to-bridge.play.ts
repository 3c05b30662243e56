// The fleet migration of the seed document: bridge every hypervisor (br0 over
// the uplink, keeping its address), move every guest NIC from libvirt's NAT
// `default` network to br0 keeping its MAC, model and PCI slot (live where the
// guest runs), then destroy `default` — which refuses while any guest still
// uses it. Before the move each guest's NAT identity is recorded (lease,
// static entry, or an address configured inside it, which it loses on br0:
// such a guest moves only with --accept-static-guests), after it what is known
// of its address; the migration report is printed after the recap, and
// kept for the inventory in kvmplay's state directory (or written to
// --report FILE): the next run and the way back read it without a flag.
//   kvmplay run playbooks/migrate-nat-to-bridge.play.ts -i inventory.yaml
// Vars (-e, or the inventory's):
//   confirm_timeout  seconds a host waits for the bridge's confirmation before it restores its
//                    old network by itself (default 60)
//   bridge           default br0; an existing bridge over the uplink — Proxmox VE's vmbr0 — is
//                    used as its files define it (-e bridge=vmbr0): no network file changes
//   bridge_network   libvirt's network over the bridge, default = bridge
//   until_reboot     true: bridge the running host only, persisted nowhere (for hosts whose network
//                    no system that kvmplay knows keeps; they are refused otherwise)
//   network_backend  (an inventory host var) the system that keeps the host's network, where kvmplay
//                    cannot tell: networkmanager, netplan, ifupdown, ifcfg …
import { playbook, interfaceName, libvirtName } from 'kvmplay'
import { applyBridge, defineNetwork, destroyNetwork, editDomainInterface, enableIpForward, persistBridge, recordGuests } from 'kvmplay/tasks'

/** -e until_reboot=true arrives as a string. */
const untilReboot = (vars: Record<string, unknown>) => vars.until_reboot === true || vars.until_reboot === 'true'

export default playbook({
  name: 'migrate guests from NAT (default) to a bridge (br0)',
  hosts: 'hypervisors',
  tasks: (host) => {
    const bridge = interfaceName(host.vars.bridge ?? 'br0', 'bridge')
    const bridgeNetwork = libvirtName(host.vars.bridge_network ?? bridge, 'bridge_network')
    const guests = recordGuests({ network: 'default', bridge })
    return [
      guests.before,
      enableIpForward(),
      persistBridge({ bridge, untilReboot: untilReboot(host.vars) }),
      applyBridge({ bridge, untilReboot: untilReboot(host.vars), confirmTimeout: host.vars.confirm_timeout === undefined ? undefined : Number(host.vars.confirm_timeout) }),
      defineNetwork({ name: bridgeNetwork, forward: 'bridge', bridge }),
      editDomainInterface({ from: { network: 'default' }, to: { bridge }, restart: 'never' }),
      destroyNetwork(),
      guests.after,
    ]
  },
})
