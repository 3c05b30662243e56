/** The ifupdown2 tests' hosts: the interfaces files the lab's ifupdown2 and proxmox profiles write (their own templates), as the fact reads them. */
import type { HostNetwork } from '../../../../src/facts/network.ts'
import type { NetworkSystemFacts } from '../../../../src/facts/network-system.ts'
import { renderTemplate } from '../../../../src/render.ts'
import { test } from 'uvu'
import { ifquery2Missing } from '../../../helpers/ifupdown2.ts'
import { skipIf } from '../../../helpers/skip.ts'

export const INTERFACES = '/etc/network/interfaces'

const hostVars = (n: number) => ({ host: `h${n}`, device: 'eth0', address: `198.19.${n}.2`, prefix: 24, gateway: `198.19.${n}.1` })
/** Lab host hN of the ifupdown2 profile: eth0 static, before any bridge (templates/lab/interfaces-ifupdown2.hbs). */
export const labFile = (n: number) => renderTemplate('lab/interfaces-ifupdown2.hbs', hostVars(n))
/** Lab host hN of the proxmox profile: vmbr0 over eth0 as Proxmox VE's installer writes it (templates/lab/interfaces-proxmox.hbs). */
export const proxmoxFile = (n: number) => renderTemplate('lab/interfaces-proxmox.hbs', hostVars(n))

/** A host where ifupdown2 is installed, with one file. */
export const system = (content: string, path = INTERFACES): NetworkSystemFacts => ({ netplan: [], networkScripts: false, ifupdown2: [{ path, content }] })
export const facts = (net: HostNetwork, sys: NetworkSystemFacts) => ({ net, system: sys })
/** The tests that run ifupdown2's own ifquery: skipped, saying why, where the lab has not unpacked it. */
export const withIfquery2 = skipIf(test, ifquery2Missing)
