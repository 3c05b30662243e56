/**
 * libvirt read over its RPC protocol (an SSH channel forwarded to the host's
 * read-only libvirt socket) against the virsh script, on a lab host: the same
 * state, field for field. Where sshd refuses the forwarding, the fact falls
 * back to virsh and reads the same.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isDeepStrictEqual } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { onHost, useLab } from '../helpers/lab.ts'
import { loadInventory } from '../../src/inventory/index.ts'
import { connect, targetFromVars } from '../../src/connection/index.ts'
import type { Connection } from '../../src/connection/types.ts'
import { runBatch } from '../../src/connection/batch.ts'
import { FactCache } from '../../src/facts/cache.ts'
import { libvirtFact } from '../../src/facts/libvirt.ts'
import type { LibvirtState } from '../../src/facts/libvirt.ts'
import { readLibvirtRemote } from '../../src/facts/libvirt-remote.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const rpc = suite('libvirt over RPC')
let h1: HostPlan
let inventory: string

const open = async (): Promise<Connection> => {
  const inv = loadInventory(inventory)
  return connect(targetFromVars('h1', inv.hosts.get('h1')!.vars))
}
const viaVirsh = async (conn: Connection): Promise<LibvirtState> => libvirtFact.parse((await runBatch(conn, [libvirtFact.command()]))[0])
const names = (s: LibvirtState) => [...s.networks.keys(), '|', ...s.domains.keys()]

rpc.before(async () => {
  const lab = await useLab(3)
  h1 = lab.hosts[0]
  inventory = lab.inventory
  // Variety: an inactive, not autostarted network without a bridge of its own beside `default`; vm1 runs, vm2 is shut off.
  await onHost(h1, `virsh net-info rpcnet >/dev/null 2>&1 || { t=$(mktemp); printf '%s' "<network><name>rpcnet</name><bridge name='rpcbr0'/></network>" > $t; virsh net-define $t >/dev/null; rm -f $t; }`)
})

rpc('reads what the virsh script reads: names, order, flags, states, inactive and live XML', async () => {
  const conn = await open()
  try {
    const remote = await readLibvirtRemote(conn)
    assert.ok(remote, 'the RPC read was not possible')
    const virsh = await viaVirsh(conn)
    assert.equal(names(remote!), names(virsh))
    assert.ok(names(remote!).includes('rpcnet'))
    assert.is(remote!.networks.get('rpcnet')!.active, false)
    assert.is(remote!.domains.get('vm1')!.state, 'running')
    assert.is(remote!.domains.get('vm2')!.state, 'shut off')
    assert.ok(isDeepStrictEqual(remote, virsh), 'the RPC read and the virsh read differ')
    // A change made by virsh is seen by the next read on the same session.
    await conn.exec('virsh net-autostart rpcnet >/dev/null')
    assert.is((await readLibvirtRemote(conn))!.networks.get('rpcnet')!.autostart, true)
  } finally {
    await conn.exec('virsh net-autostart --disable rpcnet >/dev/null').catch(() => {})
    await conn.close()
  }
})

rpc('where sshd refuses socket forwarding, the fact falls back to virsh and reads the same', async () => {
  await onHost(h1, "echo 'AllowStreamLocalForwarding no' >> /etc/ssh/sshd_config && kill -HUP $(cat /run/sshd.pid)")
  try {
    await sleep(500) // sshd re-executes itself on SIGHUP
    const conn = await open()
    try {
      assert.is(await readLibvirtRemote(conn), undefined)
      const cache = new FactCache(async () => conn)
      const state = await cache.get(libvirtFact, undefined)
      assert.is(cache.roundTrips, 1)
      assert.ok(isDeepStrictEqual(state, await viaVirsh(conn)))
      assert.ok(names(state).includes('rpcnet'))
    } finally {
      await conn.close()
    }
  } finally {
    await onHost(h1, "sed -i '/^AllowStreamLocalForwarding no$/d' /etc/ssh/sshd_config && kill -HUP $(cat /run/sshd.pid)")
    await sleep(500)
  }
})

rpc.after(async () => {
  await onHost(h1, 'virsh net-undefine rpcnet >/dev/null 2>&1 || true')
})

rpc.run()
