/** Uplinks for the systems' tests: what bridgeWish makes of a plain NIC. */
import type { Uplink } from '../../../src/network/uplink.ts'

export const nic = (name: string, mac = '02:6b:76:13:00:01'): Uplink => ({ kind: 'nic', name, mac })
