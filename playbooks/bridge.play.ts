// Bridge every hypervisor: br0 over the uplink keeping its address, persisted in
// the host's own network system (the seed's ifcfg files where the network
// scripts run) and applied, plus libvirt's `br0` bridge-forward network. A host
// whose network no system that kvmplay knows keeps is refused unless its
// inventory names one (network_backend: ifcfg …).
//   kvmplay run playbooks/bridge.play.ts -i inventory.yaml
import { playbook } from 'kvmplay'
import { applyBridge, defineNetwork, persistBridge } from 'kvmplay/tasks'

export default playbook({
  name: 'bridge br0 over the uplink',
  hosts: 'hypervisors',
  tasks: [
    persistBridge({ bridge: 'br0' }),
    applyBridge({ bridge: 'br0' }),
    defineNetwork({ name: 'br0', forward: 'bridge', bridge: 'br0' }),
  ],
})
