/**
 * The networkd backend on lab hosts of the networkd profile (systemd-networkd
 * from /etc/systemd/network, as on Debian minimal, Arch or mkosi images),
 * static and DHCP uplinks (bridge-lab.ts: the fleet migration, a second run,
 * a power cycle, a wrong address rolled back with the files byte-identical),
 * read back by networkctl and the files networkd reads.
 */
import * as assert from 'uvu/assert'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'
import { assertNetworkdBridged, clientId } from './networkd-lab.ts'

const DIR = '/etc/systemd/network'
const digest = `cd ${DIR} && find . -type f -printf '%p %m\\n' | sort && find . -type f -exec md5sum {} + | sort`

for (const dhcp of [false, true]) {
  const clientIds = new Map<string, string>()
  bridgeLabSuite({
    profile: 'networkd',
    dhcp,
    beforeMigration: async (h: HostPlan) => void (dhcp && clientIds.set(h.name, await clientId(h, 'eth0'))),
    assertPersisted: async (h) => {
      const netdev = await onHost(h, `cat ${DIR}/10-br0.netdev`)
      for (const l of ['Name=br0', 'Kind=bridge', `MACAddress=${h.mac}`, 'STP=no', 'ForwardDelaySec=0']) assert.ok(netdev.split('\n').includes(l), `${l} in:\n${netdev}`)
      const port = await onHost(h, `cat ${DIR}/10-eth0.network`)
      assert.match(port, /^\[Match\]\nName=eth0\n/)
      assert.match(port, /^Bridge=br0$/m)
      assert.not.match(port, /^(Address|Gateway|DHCP)=/m, 'the port carries no addressing')
      const br = await onHost(h, `cat ${DIR}/10-br0.network`)
      assert.match(br, /^\[Match\]\nName=br0$/m)
      if (dhcp) assert.match(br, /^DHCP=yes$/m)
      else for (const l of [`Address=${h.address}/${h.prefix}`, `Gateway=${h.gateway}`, `DNS=${h.gateway}`]) assert.ok(br.split('\n').includes(l), `${l} in:\n${br}`)
      assert.is((await onHost(h, `ls ${DIR}`)).trim().split('\n').sort().join(' '), '10-br0.netdev 10-br0.network 10-eth0.network', 'no backups where networkd reads')
    },
    assertSystemBridged: async (h) => {
      await assertNetworkdBridged(h, `${DIR}/10-br0.network`, `${DIR}/10-eth0.network`, dhcp)
      // The DHCP server sees the same client: the lease on br0 was taken with eth0's client ID.
      if (dhcp) assert.is(await clientId(h, 'br0'), clientIds.get(h.name), `${h.name}: br0's lease has eth0's client ID`)
    },
    filesDigest: digest,
  }).run()
}
