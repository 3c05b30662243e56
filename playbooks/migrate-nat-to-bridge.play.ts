// The fleet migration of the seed document: bridge every hypervisor (br0 over
// the uplink, keeping its address), move every guest NIC from libvirt's NAT
// `default` network to br0 keeping its MAC, model and PCI slot (live where the
// guest runs), then destroy `default` — which refuses while any guest still
// uses it.
//   kvmplay run playbooks/migrate-nat-to-bridge.play.ts -i inventory.yaml
import { playbook } from 'kvmplay'
import { applyBridge, defineNetwork, destroyNetwork, editDomainInterface, enableIpForward, persistBridge } from 'kvmplay/tasks'

export default playbook({
  name: 'migrate guests from NAT (default) to bridge br0',
  hosts: 'hypervisors',
  tasks: [
    enableIpForward(),
    persistBridge({ bridge: 'br0' }),
    applyBridge({ bridge: 'br0' }),
    defineNetwork({ name: 'br0', forward: 'bridge', bridge: 'br0' }),
    editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, restart: 'never' }),
    destroyNetwork(),
  ],
})
