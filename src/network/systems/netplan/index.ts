/**
 * Ubuntu's netplan: the bridge in a netplan file of kvmplay's own and the
 * uplink's file rewritten (files.ts), applied by `netplan generate` and the
 * renderer (runtime.ts). It keeps the uplink where one of its files defines
 * the uplink or the bridge.
 */
import type { NetworkSystem } from '../../system.ts'
import { definitions } from './definitions.ts'
import { netplanFiles } from './files.ts'
import { planRuntime, restore } from './runtime.ts'
import { NETPLAN_TEMPLATES } from './templates.ts'

export const netplan: NetworkSystem<'netplan'> = {
  name: 'netplan',
  title: 'netplan',
  // The port's definition stays in its own section (ethernets, bonds, vlans), options and all: only its addressing moves.
  uplinks: ['nic', 'bond', 'vlan'],
  templates: NETPLAN_TEMPLATES,
  claims: ({ system }, uplink, bridge) => {
    const d = definitions(system, uplink.name, bridge)[0]
    return d ? `netplan defines ${d.id} (${d.section}) in ${d.path}` : undefined
  },
  found: ({ system }, uplink) =>
    system.netplan.length ? `netplan has ${system.netplan.map((f) => f.path).join(', ')}, but none defines ${uplink.name}` : undefined,
  persist: netplanFiles,
  planRuntime,
  restore,
}
