/**
 * libvirt read over its RPC protocol (an SSH channel forwarded to the host's
 * read-only libvirt socket) against the virsh script, on a lab host: the same
 * state, field for field. Where sshd refuses the forwarding, facts and
 * changes fall back to virsh: the same state, and the migration playbook
 * works and converges. (Everywhere else, the lab tests run over RPC.)
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isDeepStrictEqual } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { TEST_LAB, onHost, useLab } from '../helpers/lab.ts'
import { labDown } from '../../src/lab/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { fileURLToPath } from 'node:url'
import { loadInventory } from '../../src/inventory/index.ts'
import { connect, targetFromVars } from '../../src/connection/index.ts'
import type { Connection } from '../../src/connection/types.ts'
import { execMany } from '../../src/connection/exec-many.ts'
import { resource } from '../../src/core/resource.ts'
import { FactCache } from '../../src/facts/cache.ts'
import { libvirtFact } from '../../src/facts/libvirt.ts'
import type { LibvirtState } from '../../src/facts/libvirt.ts'
import { readLibvirtRemote, refreshLibvirtRemote } from '../../src/facts/libvirt-remote.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'

const rpc = suite('libvirt over RPC')
let h1: HostPlan
let inventory: string

const open = async (): Promise<Connection> => {
  const inv = loadInventory(inventory)
  return connect(targetFromVars('h1', inv.hosts.get('h1')!.vars))
}
const viaVirsh = async (conn: Connection): Promise<LibvirtState> => libvirtFact.parse((await execMany(conn, [{ command: libvirtFact.command() }]))[0])
const names = (s: LibvirtState) => [...s.networks.keys(), '|', ...s.domains.keys()]

rpc.before(async () => {
  await labDown(TEST_LAB)
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

rpc('a refresh of the networks and domains a change named equals a whole read, removed ones included', async () => {
  const conn = await open()
  try {
    const before = (await readLibvirtRemote(conn))!
    // Changes by virsh: a new network, one undefined, a domain's config edited (vm2 gets a description).
    await conn.exec(
      `t=$(mktemp); printf '%s' "<network><name>refnet</name><bridge name='refbr0'/></network>" > $t; virsh net-define $t >/dev/null; rm -f $t; ` +
        `virsh net-undefine rpcnet >/dev/null; virsh desc vm2 --config 'refreshed' >/dev/null`,
    )
    const refreshed = await refreshLibvirtRemote(conn, before, [resource.libvirtNetwork('refnet'), resource.libvirtNetwork('rpcnet'), resource.libvirtDomain('vm2')])
    const whole = (await readLibvirtRemote(conn))!
    assert.ok(refreshed, 'the refresh was not possible')
    assert.equal(names(refreshed!), names(whole))
    assert.ok(isDeepStrictEqual(refreshed, whole), 'the refreshed state and a whole read differ')
    assert.match(refreshed!.domains.get('vm2')!.xml, 'refreshed')
  } finally {
    await conn.exec(
      `virsh net-undefine refnet >/dev/null 2>&1; virsh desc vm2 --config '' >/dev/null; ` +
        `t=$(mktemp); printf '%s' "<network><name>rpcnet</name><bridge name='rpcbr0'/></network>" > $t; virsh net-define $t >/dev/null; rm -f $t`,
    ).catch(() => {})
    await conn.close()
  }
})

rpc('where sshd refuses socket forwarding, kvmplay reads and changes libvirt by virsh: same state, same migration', async () => {
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
    // The whole migration by virsh (define+autostart+start, live NIC moves, destroy+undefine, the probe), twice.
    const migrate = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
    const res = kvmplay(['run', migrate, '-i', inventory, '-l', 'h1', '--json'])
    assert.is(res.code, 0, res.out + res.err)
    assert.match(await onHost(h1, 'virsh net-list --all'), /br0\s+active\s+yes\s+yes/)
    assert.not.match(await onHost(h1, 'virsh net-list --all'), /\bdefault\b/)
    assert.match(await onHost(h1, 'virsh domiflist vm1'), /vnet\d+\s+bridge\s+br0/)
    assert.match(await onHost(h1, 'virsh dumpxml --inactive vm2'), "<source bridge='br0'/>")
    const again = kvmplay(['run', migrate, '-i', inventory, '-l', 'h1', '--json'])
    assert.is(again.code, 0, again.out + again.err)
    assert.is(recapOf(again.out).hosts.h1.changed, 0)
  } finally {
    await onHost(h1, "sed -i '/^AllowStreamLocalForwarding no$/d' /etc/ssh/sshd_config && kill -HUP $(cat /run/sshd.pid)")
    await sleep(500)
  }
})

rpc.after(async () => {
  await onHost(h1, 'virsh net-undefine rpcnet >/dev/null 2>&1 || true')
})

rpc.run()
