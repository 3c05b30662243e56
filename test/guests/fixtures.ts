/** Guest NICs as a migration report has them, for the reservations' tests. */
import type { NatIdentity } from '../../src/guests/types.ts'

export const nic = (host: string, guest: string, mac: string, extra: Partial<NatIdentity> = {}): NatIdentity => ({
  host,
  guest,
  mac,
  network: 'default',
  state: 'running',
  assignedBy: 'lease',
  ...extra,
})

/** The lab's fleet of two hosts: vm1 (leased) and vm2 (shut off) on each. */
export const fleet = (): NatIdentity[] => [
  nic('h1', 'vm1', '52:54:00:12:01:01', { hostname: 'vm1', address: '192.168.122.10', assignedBy: 'static' }),
  nic('h1', 'vm2', '52:54:00:12:01:02', { state: 'shut off', assignedBy: 'none' }),
  nic('h2', 'vm1', '52:54:00:12:02:01', { hostname: 'Web_Server.example.com', address: '192.168.122.77' }),
  nic('h2', 'vm2', '52:54:00:12:02:02', { state: 'shut off', assignedBy: 'none' }),
]
