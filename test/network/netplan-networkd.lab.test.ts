/**
 * The netplan backend on netplan's default renderer, systemd-networkd, as
 * Ubuntu Server runs it (lab profiles netplan-networkd-installer and
 * netplan-networkd-cloud), static and DHCP uplinks: the fleet migration, a
 * second run, a power cycle, a wrong address rolled back with the files
 * byte-identical (bridge-lab.ts) — read back by netplan get and networkctl.
 * `netplan try` refuses bridges with parameters and `netplan apply` needs
 * systemd: kvmplay's `netplan generate`, `networkctl reload` and
 * `reconfigure` under its own confirmed apply stand in.
 */
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import type { HostPlan } from '../../src/lab/addressing.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'
import { assertNetworkdBridged, clientId } from './networkd-lab.ts'

const digest = `cd /etc/netplan && find . -type f -printf '%p %m\\n' | sort && find . -type f -exec md5sum {} + | sort`

const PROFILES: [LabProfile, string][] = [
  ['netplan-networkd-installer', '00-installer-config.yaml'],
  ['netplan-networkd-cloud', '50-cloud-init.yaml'],
]

for (const [profile, file] of PROFILES) {
  for (const dhcp of [false, true]) {
    const clientIds = new Map<string, string>()
    bridgeLabSuite({
      profile,
      dhcp,
      beforeMigration: async (h: HostPlan) => void (dhcp && clientIds.set(h.name, await clientId(h, 'eth0'))),
      assertPersisted: async (h) => {
        const br0 = parse(await onHost(h, 'netplan get bridges.br0'))
        assert.equal(br0.interfaces, ['eth0'])
        assert.is(br0.macaddress, h.mac, "the bridge keeps the uplink's MAC (networkd would derive one from machine-id)")
        if (dhcp) {
          assert.is(br0.dhcp4, true)
          assert.is(br0.addresses, undefined)
        } else assert.equal(br0.addresses, [`${h.address}/${h.prefix}`])
        assert.is(br0.renderer, undefined, 'no renderer named: networkd, the default')
        assert.equal(parse(await onHost(h, 'netplan get ethernets.eth0.addresses')) ?? null, null, 'the uplink keeps no address of its own')
        assert.equal((await onHost(h, 'ls /etc/netplan')).trim().split('\n').sort(), [file, '90-kvmplay-br0.yaml'].sort(), 'no backups where netplan reads')
        assert.match(await onHost(h, 'cat /run/systemd/network/10-netplan-br0.netdev'), `MACAddress=${h.mac}`)
      },
      assertSystemBridged: async (h) => {
        await assertNetworkdBridged(h, '/run/systemd/network/10-netplan-br0.network', '/run/systemd/network/10-netplan-eth0.network', dhcp)
        if (dhcp) assert.is(await clientId(h, 'br0'), clientIds.get(h.name), `${h.name}: br0's lease has eth0's client ID`)
      },
      filesDigest: digest,
    }).run()
  }
}
