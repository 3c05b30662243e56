// libvirt's NAT network `default` (virbr0, 192.168.122.0/24) with static DHCP
// leases for known MACs, and IP forwarding. The leases come from the host's
// `leases` var when the inventory gives one; otherwise every guest NIC on
// `default` gets one, in MAC order from .10, so a guest keeps its address.
// The DHCP range can be moved with -e dhcp_start=… -e dhcp_end=….
//   kvmplay run playbooks/nat.play.ts -i inventory.yaml
import { playbook, libvirtFact } from 'kvmplay'
import { defineNetwork, enableIpForward } from 'kvmplay/tasks'

type Lease = { mac: string; ip: string; name?: string }

export default playbook({
  name: 'NAT network with static leases',
  hosts: 'hypervisors',
  tasks: async (host) => {
    let leases = host.vars.leases as Lease[] | undefined
    if (!leases) {
      const { domains } = await host.fact(libvirtFact, undefined)
      const nics = [...domains.values()].flatMap((d) => d.interfaces.filter((i) => i.type === 'network' && i.source === 'default').map((i) => ({ mac: i.mac, name: d.name })))
      leases = nics.sort((a, b) => a.mac.localeCompare(b.mac)).map((n, i) => ({ ...n, ip: `192.168.122.${10 + i}` }))
    }
    return [
      defineNetwork({
        name: 'default',
        forward: 'nat',
        bridge: 'virbr0',
        address: '192.168.122.1',
        netmask: '255.255.255.0',
        dhcp: { start: String(host.vars.dhcp_start ?? '192.168.122.2'), end: String(host.vars.dhcp_end ?? '192.168.122.254'), hosts: leases },
      }),
      enableIpForward(),
    ]
  },
})
