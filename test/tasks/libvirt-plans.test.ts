/**
 * The plans of defineNetwork, destroyNetwork and editDomainInterface against
 * canned libvirt facts (virsh output of a lab host, and variants of it):
 * the steps' summaries, diffs, touches and the libvirt changes they carry.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseLibvirtOutput } from '../../src/facts/libvirt.ts'
import type { LibvirtState } from '../../src/facts/libvirt.ts'
import type { Host } from '../../src/core/host.ts'
import type { ConnectionStep, Plan, Step, Task } from '../../src/core/task.ts'
import type { KvmplayError } from '../../src/core/errors.ts'
import { resource } from '../../src/core/resource.ts'
import { changesOf } from '../../src/libvirt/changes.ts'
import { defineNetwork } from '../../tasks/define-network.ts'
import type { DefineNetworkOptions } from '../../tasks/define-network.ts'
import { destroyNetwork } from '../../tasks/destroy-network.ts'
import { editDomainInterface } from '../../tasks/domain-interface.ts'
import { natAddressesFact } from '../../src/facts/guests.ts'
import type { NatAddresses } from '../../src/facts/guests.ts'
import type { Fact, FactRequest } from '../../src/facts/fact.ts'
import { hostNetworkFact } from '../../src/facts/network.ts'
import type { HostNetwork } from '../../src/facts/network.ts'

const canned = readFileSync(new URL('../fixtures/canned/virsh-libvirt.txt', import.meta.url), 'utf8')
const UUID = '95eaffaf-0d91-4868-ac2c-18d3db0d0038'
const VM1 = '52:54:00:13:02:01'
const VM2 = '52:54:00:13:02:02'

const NO_ADDRESSES: NatAddresses = { bridge: 'virbr0', now: 1_800_000_000, leases: [], neighbours: [] }
/** A Host whose facts are this libvirt state and these NAT addresses (none: nobody leased or seen). */
const NO_LINKS = { links: [], routes: [], routes6: [] } as unknown as HostNetwork
const hostWith = (state: LibvirtState, nat: NatAddresses = NO_ADDRESSES, vars: Record<string, unknown> = {}, net: HostNetwork = NO_LINKS): Host => {
  const value = (f: Fact<unknown, unknown>) => (f === natAddressesFact ? nat : f === hostNetworkFact ? net : state)
  return {
    name: 'h1',
    vars,
    groups: [],
    playbookDir: '.',
    fact: (async (f: Fact<unknown, unknown>) => value(f)) as Host['fact'],
    gather: (async (requests: readonly FactRequest[]) => requests.map((r) => value(r.fact))) as unknown as Host['gather'],
  }
}
const plan = (task: Task, out = canned, nat?: NatAddresses, vars?: Record<string, unknown>): Promise<Plan> => task.plan(hostWith(parseLibvirtOutput(out), nat, vars))
const summaries = (p: Plan) => p.steps.map((s) => s.summary)
const changes = (s: Step) => changesOf(s)

/** The canned output with `default`'s inactive XML's <dhcp> holding these host lines. */
const withDhcpHosts = (hosts: string) => canned.replace("<range start='192.168.122.2' end='192.168.122.254'/>", `<range start='192.168.122.2' end='192.168.122.254'/>\n${hosts}`)
/** A network block as virsh net-info and net-dumpxml --inactive print it. */
const netBlock = (name: string, info: { active: boolean; persistent: boolean; autostart: boolean }, xml: string) =>
  `@@NET ${name}\nName: ${name}\nActive: ${info.active ? 'yes' : 'no'}\nPersistent: ${info.persistent ? 'yes' : 'no'}\nAutostart: ${info.autostart ? 'yes' : 'no'}\n\n@@XML\n${xml}\n`
/** vm1's interface on bridge br0: in its persistent config only (`live` false) or in both. */
const vm1OnBr0 = (live: boolean) => {
  const iface = new RegExp(`<interface type='network'>(\\s*<mac address='${VM1}'/>\\s*)<source network='default'[^>]*/>`, live ? 'g' : '')
  return canned.replace(iface, "<interface type='bridge'>$1<source bridge='br0'/>")
}

const defaultNet: DefineNetworkOptions = { name: 'default', forward: 'nat', bridge: 'virbr0', address: '192.168.122.1', prefix: 24, dhcp: { start: '192.168.122.2', end: '192.168.122.254' } }

test('defineNetwork: a bridge left over with no port is deleted before the start, in a step of its own that says why', async () => {
  const leftover = { links: [{ name: 'virbr9', mac: '52:54:00:00:00:09', up: true, kind: 'bridge', addresses: [], addresses6: [] }], routes: [], routes6: [] } as unknown as HostNetwork
  const p = await defineNetwork({ name: 'isol0', forward: 'isolated', bridge: 'virbr9', address: '10.9.0.1', prefix: 24 }).plan(hostWith(parseLibvirtOutput(canned), NO_ADDRESSES, {}, leftover))
  assert.equal(summaries(p), [
    'delete virbr9, left by a libvirtd stopped mid-change (no active network holds it, no port on it), so that libvirt can create it',
    'define network isol0, autostart it, start it',
  ])
  assert.is((p.steps[0] as ConnectionStep).shell?.command, 'ip link del virbr9')
})

test('defineNetwork: a new network is defined, autostarted and started in one step', async () => {
  const p = await plan(defineNetwork({ name: 'isol0', forward: 'isolated', bridge: 'virbr9', address: '10.9.0.1', prefix: 24 }))
  assert.equal(summaries(p), ['define network isol0, autostart it, start it'])
  const [step] = p.steps
  assert.equal(step.touches, [resource.libvirtNetwork('isol0'), resource.links])
  assert.is(step.diff!.before, '')
  assert.match(step.diff!.after, "<bridge name='virbr9' stp='on' delay='0'/>")
  assert.equal(changes(step), [
    { op: 'define-network', name: 'isol0', xml: step.diff!.after },
    { op: 'autostart-network', name: 'isol0', on: true },
    { op: 'start-network', name: 'isol0' },
  ])
  assert.is(p.reason, undefined)
})

test('defineNetwork: unchanged is converged, saying why', async () => {
  const p = await plan(defineNetwork(defaultNet))
  assert.equal(p.steps, [])
  assert.is(p.reason, 'network default is defined as wished, active, autostarted')
})

test('defineNetwork: DHCP hosts are added, modified and deleted in place, live, without a restart', async () => {
  const out = withDhcpHosts(`      <host mac='${VM1}' name='vm1' ip='192.168.122.10'/>\n      <host mac='${VM2}' name='vm2' ip='192.168.122.11'/>`)
  const hosts = [
    { mac: VM1, name: 'vm1', ip: '192.168.122.20' },
    { mac: '52:54:00:13:02:03', name: 'vm3', ip: '192.168.122.12' },
  ]
  const p = await plan(defineNetwork({ ...defaultNet, dhcp: { ...defaultNet.dhcp!, hosts } }), out)
  assert.equal(summaries(p), [
    `delete DHCP host ${VM2} → 192.168.122.11 (vm2) in default`,
    `modify DHCP host ${VM1} → 192.168.122.20 (vm1) in default`,
    'add DHCP host 52:54:00:13:02:03 → 192.168.122.12 (vm3) in default',
  ])
  assert.equal(p.steps.map(changes), [
    [{ op: 'update-dhcp-host', network: 'default', action: 'delete', host: { mac: VM2, name: 'vm2', ip: '192.168.122.11' }, live: true }],
    [{ op: 'update-dhcp-host', network: 'default', action: 'modify', host: hosts[0], live: true }],
    [{ op: 'update-dhcp-host', network: 'default', action: 'add', host: hosts[1], live: true }],
  ])
  // One diff for the network, on the first step; every step touches only this network.
  assert.equal(p.steps.map((s) => !!s.diff), [true, false, false])
  assert.match(p.steps[0].diff!.before, `<host mac='${VM2}' name='vm2' ip='192.168.122.11'/>`)
  assert.not.match(p.steps[0].diff!.after, VM2)
  for (const s of p.steps) assert.equal(s.touches, [resource.libvirtNetwork('default'), resource.links])
  assert.is(p.reason, undefined)
})

test('defineNetwork: a structural change of a running network is a redefine (same uuid) and a restart naming its guests', async () => {
  const p = await plan(defineNetwork({ ...defaultNet, dhcp: { start: '192.168.122.100', end: '192.168.122.254' } }))
  assert.equal(summaries(p), [`redefine network default (same uuid ${UUID})`, 'restart network default to apply it (guests on it lose their link: vm1 (running), vm2)'])
  const [redefine, restart] = p.steps
  assert.match(redefine.diff!.after, `<uuid>${UUID}</uuid>`)
  assert.match(redefine.diff!.after, "<range start='192.168.122.100' end='192.168.122.254'/>")
  assert.equal(changes(redefine), [{ op: 'define-network', name: 'default', xml: redefine.diff!.after }])
  assert.equal(redefine.touches, [resource.libvirtNetwork('default'), resource.links])
  assert.equal(changes(restart), [{ op: 'restart-network', name: 'default' }])
  // The guests' ports change with the restart: all of libvirt is read again.
  assert.equal(restart.touches, [resource.libvirtNetwork(), resource.libvirtDomain(), resource.links])
  assert.is(p.reason, 'network default restarted: its definition changed beyond DHCP hosts')
})

test('defineNetwork: restart: false redefines only, saying the old definition runs until restarted', async () => {
  const p = await plan(defineNetwork({ ...defaultNet, dhcp: { start: '192.168.122.100', end: '192.168.122.254' }, restart: false }))
  assert.equal(summaries(p), [`redefine network default (same uuid ${UUID})`])
  assert.is(p.reason, 'network default runs its old definition until restarted (restart: false)')
})

test('defineNetwork: active: false on a network in use is a precondition error naming the guests', async () => {
  try {
    await plan(defineNetwork({ ...defaultNet, active: false }))
    assert.unreachable('should have refused')
  } catch (err) {
    assert.is((err as { kind?: string }).kind, 'precondition')
    assert.is((err as Error).message, 'h1: network default cannot be stopped: in use by vm1 (running), vm2')
  }
})

test('destroyNetwork: refuses while a domain uses it, naming the domains; nothing planned', async () => {
  try {
    await plan(destroyNetwork())
    assert.unreachable('should have refused')
  } catch (err) {
    assert.is((err as { kind?: string }).kind, 'precondition')
    assert.match((err as Error).message, 'network default is still used by vm1 (running), vm2; move them first (editDomainInterface) — nothing was destroyed')
  }
})

test('destroyNetwork: ok when it is gone', async () => {
  const p = await plan(destroyNetwork({ network: 'gone0' }))
  assert.equal(p.steps, [])
  assert.is(p.reason, 'network gone0 is not defined')
})

// A --check of a bare host (bootstrap-hypervisor.play.ts): libvirt is installed by an earlier task of the same run.
test('no virsh yet: defineNetwork plans a new network and says why; destroyNetwork has nothing to destroy and says the real run will look again', async () => {
  const p = await plan(defineNetwork({ name: 'br0', forward: 'bridge', bridge: 'br0' }), '@@NOVIRSH\n')
  assert.equal(summaries(p), ['define network br0, autostart it, start it'])
  assert.match(p.reason!, 'virsh is not installed yet')
  const d = await plan(destroyNetwork(), '@@NOVIRSH\n')
  assert.equal(d.steps, [])
  assert.match(d.reason!, 'network default is not defined (virsh is not installed yet')
})

test('destroyNetwork: an active network is stopped and undefined in one step; an inactive persistent one only undefined', async () => {
  const xml = "<network>\n  <name>old0</name>\n  <bridge name='oldbr0'/>\n</network>"
  const active = await plan(destroyNetwork({ network: 'old0' }), canned + netBlock('old0', { active: true, persistent: true, autostart: false }, xml))
  assert.equal(summaries(active), ['stop network old0 (net-destroy), undefine network old0'])
  assert.equal(changes(active.steps[0]), [{ op: 'destroy-network', name: 'old0' }, { op: 'undefine-network', name: 'old0' }])
  const p = await plan(destroyNetwork({ network: 'old0' }), canned + netBlock('old0', { active: false, persistent: true, autostart: false }, xml))
  assert.equal(summaries(p), ['undefine network old0'])
  const [step] = p.steps
  assert.equal(changes(step), [{ op: 'undefine-network', name: 'old0' }])
  assert.equal(step.diff, { label: 'network old0 (XML)', before: xml + '\n', after: '' })
  assert.equal(step.touches, [resource.libvirtNetwork('old0'), resource.links])
})

test('editDomainInterface: a running guest moves live and persistent, its link bounced; where libvirt refuses live, at its next boot, saying so', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' } }))
  assert.equal(summaries(p), [`move vm1 ${VM1} (virtio @ 0000:00:03.0): network default → bridge br0, live and persistent`, `bounce the link of vm1 ${VM1} (down 2 s, then up): their DHCP clients ask bridge br0 for an address`])
  const [step, bounce] = p.steps
  const [change] = changes(step)!
  assert.equal(changes(bounce), [{ op: 'relink', nics: [{ domain: 'vm1', mac: VM1, xml: step.diff!.after.trimEnd() }], seconds: 2 }], 'after the move: the link down 2 s, then up')
  assert.equal(change, {
    op: 'update-device',
    domain: 'vm1',
    xml: step.diff!.after.trimEnd(),
    live: 'or-next-boot',
    refused: { message: 'vm1: persistent config moved to bridge br0, but the running guest could not be changed live', hint: "it moves at its next boot, or use restart: 'shutdown-edit-start'" },
  })
  assert.match(step.diff!.before, '<source network="default"/>')
  assert.match(step.diff!.after, '<source bridge="br0"/>')
  assert.match(step.diff!.after, `<mac address="${VM1}"/>`)
  assert.equal(step.touches, [resource.libvirtDomain('vm1'), resource.links])
})

test('editDomainInterface: shutdown-edit-start carries its bounded wait', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', mac: VM1, to: { bridge: 'br0' }, restart: 'shutdown-edit-start', shutdownTimeout: 30 }))
  assert.equal(changes(p.steps[0])!.map((c) => [c.op, 'timeoutSec' in c ? c.timeoutSec : undefined]), [['shutdown-edit-start', 30]])
  // Its first try is live: a guest changed that way keeps its old address like any other (one restarted has just asked: the bounce does no harm).
  assert.equal(changes(p.steps[1])!.map((c) => c.op), ['relink'])
})

test('editDomainInterface: a shut-off guest moves in its persistent config only', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm2', from: { network: 'default' }, to: { bridge: 'br0' } }))
  assert.equal(summaries(p), [`move vm2 ${VM2} (rtl8139 @ 0000:00:03.0): network default → bridge br0, persistent`])
  assert.equal(changes(p.steps[0]), [{ op: 'update-device', domain: 'vm2', xml: p.steps[0].diff!.after.trimEnd(), live: false }])
})

test('editDomainInterface: relink false leaves the link be; a number is its seconds; a bad one is a validation error', async () => {
  const off = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' }, relink: false }))
  assert.equal(summaries(off), [`move vm1 ${VM1} (virtio @ 0000:00:03.0): network default → bridge br0, live and persistent`])
  assert.equal(changes(off.steps[0])!.map((c) => c.op), ['update-device'])
  const five = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' }, relink: 5 }))
  assert.match(five.steps[1].summary, '(down 5 s, then up)')
  assert.equal(changes(five.steps[1])!.map((c) => [c.op, 'seconds' in c ? c.seconds : undefined]), [['relink', 5]])
  assert.throws(() => editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, relink: -1 }), /relink must be true, false or seconds from 0 to 300, not -1/)
  assert.throws(() => editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, relink: 'yes' as never }), /`relink` must be/)
})

test('editDomainInterface: no relink where the L2 segment stays (network over br0 → br0) or the link is down on purpose', async () => {
  // vm1 on a libvirt network `br0net` whose bridge is br0: moving it to br0 itself changes nothing the guest could see.
  const overBr0 = canned
    .replace(/<source network='default'([^>]*)\/>/g, "<source network='br0net'$1/>")
    .replace('@@DOM vm1', `${netBlock('br0net', { active: true, persistent: true, autostart: true }, "<network><name>br0net</name><forward mode='bridge'/><bridge name='br0'/></network>")}\n@@DOM vm1`)
  const same = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'br0net' }, to: { bridge: 'br0' } }), overBr0)
  assert.equal(summaries(same), [`move vm1 ${VM1} (virtio @ 0000:00:03.0): network br0net → bridge br0, live and persistent`])
  const down = canned.replace("<target dev='vnet0'/>", "<target dev='vnet0'/>\n      <link state='down'/>")
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' } }), down)
  assert.equal(p.steps.flatMap((s) => changes(s)!.map((c) => c.op)), ['update-device'], 'a link someone set down stays down')
})

test('editDomainInterface: the way back (bridge → default) bounces the link too: the guest needs a lease from libvirt', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { bridge: 'br0' }, to: { network: 'default' } }), vm1OnBr0(true))
  assert.equal(summaries(p), [`move vm1 ${VM1} (virtio @ 0000:00:03.0): bridge br0 → network default, live and persistent`, `bounce the link of vm1 ${VM1} (down 2 s, then up): their DHCP clients ask network default for an address`])
  assert.equal(changes(p.steps[1]), [{ op: 'relink', nics: [{ domain: 'vm1', mac: VM1, xml: p.steps[0].diff!.after.trimEnd() }], seconds: 2 }])
})

test('editDomainInterface: the steps send the move, then the relink script, in that order, the relink live only', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' } }))
  const [step, bounce] = p.steps as ConnectionStep[]
  assert.is(bounce.shell, undefined, 'not batched with other commands: the relink waits')
  assert.is(bounce.native, undefined, 'virsh only: the wait is on the host')
  const sent: { command: string; stdin?: string }[] = []
  const conn = { host: 'h1', exec: async (command: string, o: { stdin?: string } = {}) => (sent.push({ command, stdin: o.stdin as string | undefined }), { code: 0, stdout: '', stderr: '' }) }
  assert.is(await step.native!(conn as never, { host: 'h1' }), false, 'no libvirt session: virsh runs')
  assert.is(sent.length, 0)
  await step.run(conn as never, { host: 'h1' })
  await bounce.run(conn as never, { host: 'h1' })
  assert.is(sent.length, 2)
  assert.match(sent[0].command, "virsh update-device vm1 \"$t\" --live --config")
  assert.match(sent[0].stdin!, '<source bridge="br0"/>')
  assert.match(sent[1].command, /^trap '' HUP INT TERM PIPE\n/)
  assert.match(sent[1].command, '<link state="down"/>')
  assert.match(sent[1].command, "|| sleep 2\n")
  assert.not.match(sent[1].command, '--config')
})

test('editDomainInterface: already moved is converged', async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' } }), vm1OnBr0(true))
  assert.equal(p.steps, [])
  assert.is(p.reason, 'all 1 selected interface(s) are on bridge br0')
})

test("editDomainInterface: restart 'never' with the config moved but not the running guest is pending, converged saying so", async () => {
  const p = await plan(editDomainInterface({ domain: 'vm1', from: { network: 'default' }, to: { bridge: 'br0' } }), vm1OnBr0(false))
  assert.equal(p.steps, [])
  assert.is(p.reason, `all 1 selected interface(s) are on bridge br0 (persistent; vm1 ${VM1} moves at next boot)`)
})

test('editDomainInterface: an unknown MAC is a precondition error', async () => {
  try {
    await plan(editDomainInterface({ domain: 'vm1', mac: '52:54:00:99:99:99', to: { bridge: 'br0' } }))
    assert.unreachable('should have refused')
  } catch (err) {
    assert.is((err as { kind?: string }).kind, 'precondition')
    assert.is((err as Error).message, 'h1: no interface of vm1 has MAC 52:54:00:99:99:99')
  }
})


/** vm1 answering on virbr0 at an address nobody gave it: configured inside the guest. */
const vm1Inside: NatAddresses = { ...NO_ADDRESSES, neighbours: [{ ip: '192.168.122.204', mac: VM1, state: ['REACHABLE'] }] }

test('editDomainInterface: a guest configured inside is held back, named with its address and what to do, after the others move', async () => {
  const p = await plan(editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' } }), canned, vm1Inside)
  assert.equal(summaries(p), [
    `move vm2 ${VM2} (rtl8139 @ 0000:00:03.0): network default → bridge br0, persistent`,
    `hold back vm1 ${VM1}: 192.168.122.204 configured inside the guest, lost on bridge br0 (not accepted)`,
  ])
  assert.match(p.reason!, `vm1 (${VM1}) was not moved: it has 192.168.122.204 configured inside the guest`)
  assert.match(p.reason!, '--accept-static-guests')
  const held = p.steps[1] as ConnectionStep
  assert.equal(held.touches, [])
  try {
    await held.run(undefined as never, { host: 'h1' })
    assert.unreachable('the held-back step fails')
  } catch (e) {
    assert.is((e as KvmplayError).kind, 'precondition')
    assert.match((e as Error).message, 'It is held back; the other guests move')
  }
})

test('editDomainInterface: acceptStaticGuests (true, a name) or the run var accept_static_guests moves it', async () => {
  const moved = [`move vm1 ${VM1} (virtio @ 0000:00:03.0): network default → bridge br0, live and persistent`, `move vm2 ${VM2} (rtl8139 @ 0000:00:03.0): network default → bridge br0, persistent`, `bounce the link of vm1 ${VM1} (down 2 s, then up): their DHCP clients ask bridge br0 for an address`]
  for (const [opts, vars] of [[{ acceptStaticGuests: true }, {}], [{ acceptStaticGuests: ['vm1'] }, {}], [{}, { accept_static_guests: true }], [{}, { accept_static_guests: 'vm1' }]] as const) {
    const p = await plan(editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, ...opts }), canned, vm1Inside, vars)
    assert.equal(summaries(p), moved, JSON.stringify([opts, vars]))
  }
  const other = await plan(editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, acceptStaticGuests: ['vm9'] }), canned, vm1Inside)
  assert.is(other.steps.length, 2)
  assert.match(other.steps[1].summary, 'hold back vm1')
})

test('editDomainInterface: a leased guest is not held back; a bad acceptStaticGuests is a validation error', async () => {
  const leased: NatAddresses = { ...vm1Inside, leases: [{ mac: VM1, ip: '192.168.122.204', expiry: 0 }] }
  const p = await plan(editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' } }), canned, leased)
  assert.is(p.steps.length, 3, 'vm1, vm2 moved, vm1 bounced')
  assert.not.match(summaries(p).join('\n'), 'hold back')
  assert.throws(() => editDomainInterface({ from: { network: 'default' }, to: { bridge: 'br0' }, acceptStaticGuests: 'yes' as never }), /`acceptStaticGuests` must be true or false or a list/)
})

test.run()
