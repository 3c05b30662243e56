// The way back of playbooks/migrate-nat-to-bridge.play.ts: libvirt's NAT
// `default` network defined again — as the migration report recorded it on
// this host (its XML, autostart and static <host> entries), else as libvirt
// ships it — and started; every guest NIC that moved to br0 moved back onto
// `default`, keeping its MAC, model and PCI slot (live where the guest
// runs); then, unless remove_bridge=false, the bridge removed through the
// host's own network system (the uplink persisted alone, then applied under
// the same confirmed apply as the bridge was) and libvirt's `br0` network
// destroyed. In that order: `default` up before the guests move onto it, the
// guests off br0 before br0 goes.
//
//   kvmplay run playbooks/migrate-bridge-to-nat.play.ts -i inventory.yaml
//
// reads the report the migration with the same inventory kept (kvmplay's state directory, or the
// --report FILE given again); -e report=FILE names another.
//
// Vars (play vars, inventory vars or -e):
//   report         the migration report file; left out: the one kvmplay keeps for the inventory (kvmplay_report), else libvirt's stock
//                  default (virbr0, 192.168.122.1/24, DHCP .2–.254, NAT, autostarted) and every NIC on br0 moves
//   remove_bridge  default true: the undo is whole (br0 and its files gone); false keeps br0, its files and
//                  libvirt's br0 network, ready for the migration again
//   bridge         default br0; network: default 'default'; bridge_network: libvirt's network over the bridge, default = bridge
//   restart        'never' (default: a guest libvirt cannot change live moves at its next boot) or 'shutdown-edit-start'
//   confirm_timeout  seconds the host waits for the bridge removal's confirmation (default 60)
//   until_reboot   true: a bridge made with until_reboot, removed from the running host only
//   probes         what must hold after the bridge's removal before it is confirmed, besides the gateway and
//                  libvirtd answering: shell commands, or { command, name, optional, precondition } (see applyBridge)
import { playbook, libvirtFact, flag, interfaceName, libvirtName, movedMacs, readMigrationReport, recordedNetwork, recordedNetworkOptions, STOCK_DEFAULT } from 'kvmplay'
import type { Task } from 'kvmplay'
import { defineNetwork, destroyNetwork, editDomainInterface, persistBridgeRemoval, removeBridge } from 'kvmplay/tasks'
import type { ProbeSpec, RestartPolicy } from 'kvmplay/tasks'

export default playbook({
  name: 'the way back: guests from bridge br0 to NAT (default)',
  hosts: 'hypervisors',
  tasks: async (host) => {
    const v = host.vars
    const bridge = interfaceName(v.bridge ?? 'br0', 'bridge')
    const network = libvirtName(v.network ?? 'default', 'network')
    const bridgeNetwork = libvirtName(v.bridge_network ?? bridge, 'bridge_network')
    const remove = flag(v.remove_bridge ?? true, 'remove_bridge')
    const restart = (v.restart ?? 'never') as RestartPolicy
    const untilReboot = flag(v.until_reboot ?? false, 'until_reboot')
    const confirmTimeout = v.confirm_timeout === undefined ? undefined : Number(v.confirm_timeout)
    const probes = (v.probes === undefined ? [] : Array.isArray(v.probes) ? v.probes : [v.probes]) as ProbeSpec[]
    // -e report=FILE, else the report kvmplay kept for this inventory (or --report's): kvmplay_report.
    const file = v.report ?? v.kvmplay_report
    const report = file === undefined ? undefined : readMigrationReport(String(file))
    const recorded = report && recordedNetwork(report, host.name, network)
    const from = { bridge }
    const to = { network }

    // The guests that go back: with a report, the NICs it says moved (found on br0, or back on the network already); without, every NIC on br0.
    let moves: Task[]
    if (report) {
      const macs = movedMacs(report, host.name, network)
      const { domains } = await host.fact(libvirtFact, undefined)
      moves = [...domains.values()].flatMap((d) =>
        d.interfaces.filter((i) => macs.has(i.mac)).map((i) => editDomainInterface({ domain: d.name, mac: i.mac, from, to, restart })),
      )
    } else {
      moves = [editDomainInterface({ from, to, restart })]
    }
    return [
      defineNetwork(recorded ? recordedNetworkOptions(recorded) : { ...STOCK_DEFAULT, name: network }),
      ...moves,
      ...(remove
        ? // The bridge first: while a guest is still on it, both refuse, and libvirt's network over it stays too.
          [persistBridgeRemoval({ bridge, untilReboot }), removeBridge({ bridge, untilReboot, confirmTimeout, probes }), destroyNetwork({ network: bridgeNetwork })]
        : []),
    ]
  },
})
