/** The libvirt seam: the virsh script a list of changes becomes, and the RPC calls it makes. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn, spawnSync } from 'node:child_process'
import { applyLibvirtChanges, changesTouch, libvirtChangeStep, relinkScript, virshScript, VIRSH_ONLY } from '../../src/libvirt/changes.ts'
import type { LibvirtChange } from '../../src/libvirt/changes.ts'
import { LibvirtRemote } from '../../src/libvirt/remote.ts'
import type { LibvirtChangeApi } from '../../src/libvirt/remote.ts'
import { LibvirtCallError } from '../../src/libvirt/rpc.ts'
import type { LibvirtRpc } from '../../src/libvirt/rpc.ts'
import { XdrReader, XdrWriter } from '../../src/libvirt/xdr.ts'
import { virsh, virshSequence, virshWithXmlFile } from '../../src/libvirt/virsh.ts'
import { resource } from '../../src/core/resource.ts'
import type { Connection, ExecResult } from '../../src/connection/types.ts'

const XML = "<network><name>n1</name><bridge name='virbr9'/></network>"
const HOST = { mac: '52:54:00:00:00:01', ip: '10.0.0.5', name: 'vm1' }
const refused = { message: 'vm1: persistent config moved to bridge br0, but the running guest could not be changed live', hint: 'it moves at its next boot' }

/** Runs a script with `virsh` a shell function that logs its words (and the file's content) and fails as told. */
function runWithFakeVirsh(script: { command: string; stdin?: string }, failWhen = '^$') {
  const fake = `virsh() { printf '%s\\n' "$*" >&3; for a in $*; do a=\${a%;}; [ -f "$a" ] && { printf 'file:' >&3; cat "$a" >&3; printf '\\n' >&3; }; done; if printf '%s' "$*" | grep -Eq -e '${failWhen}'; then echo 'error: refused' >&2; return 1; fi; }`
  const res = spawnSync('sh', ['-c', `exec 3>&1 1>/dev/null; ${fake}\n( ${script.command}\n)`], { input: script.stdin ?? '', encoding: 'utf8' })
  return { code: res.status, log: res.stdout.trim().split('\n'), stderr: res.stderr.trim() }
}

test('virsh: a new network is one virsh process (define, autostart, start), the XML through a temp file', () => {
  const changes: LibvirtChange[] = [
    { op: 'define-network', name: 'n1', xml: XML },
    { op: 'autostart-network', name: 'n1', on: true },
    { op: 'start-network', name: 'n1' },
  ]
  const script = virshScript(changes)
  assert.equal(script, { command: virshSequence([['net-define', '$t'], ['net-autostart', 'n1'], ['net-start', 'n1']]), stdin: XML })
  const run = runWithFakeVirsh(script)
  assert.is(run.code, 0)
  assert.match(run.log[0], /^net-define \/.+; net-autostart n1; net-start n1$/)
  assert.is(run.log[1], `file:${XML}`)
})

test('virsh: one change is its own command, as the tasks wrote it before the seam', () => {
  assert.equal(virshScript([{ op: 'define-network', name: 'n1', xml: XML }]), { command: virshWithXmlFile('net-define', []), stdin: XML })
  assert.equal(virshScript([{ op: 'autostart-network', name: 'n1', on: false }]), { command: virsh('net-autostart', 'n1', '--disable') })
  assert.equal(virshScript([{ op: 'restart-network', name: 'n1' }]), { command: `${virsh('net-destroy', 'n1')} && ${virsh('net-start', 'n1')}` })
  assert.equal(virshScript([{ op: 'update-dhcp-host', network: 'n1', action: 'add', host: HOST, live: true }]), {
    command: virsh('net-update', 'n1', 'add', 'ip-dhcp-host', "<host mac='52:54:00:00:00:01' name='vm1' ip='10.0.0.5'/>", '--live', '--config'),
  })
  assert.equal(virshScript([{ op: 'update-dhcp-host', network: 'n1', action: 'delete', host: { mac: HOST.mac, ip: HOST.ip }, live: false }]), {
    command: virsh('net-update', 'n1', 'delete', 'ip-dhcp-host', "<host mac='52:54:00:00:00:01' ip='10.0.0.5'/>", '--config'),
  })
  assert.equal(virshScript([{ op: 'update-device', domain: 'vm2', xml: '<interface/>', live: false }]), { command: virshWithXmlFile('update-device', ['vm2'], ['--config']), stdin: '<interface/>' })
  assert.equal(virshScript([{ op: 'destroy-network', name: 'n1' }, { op: 'undefine-network', name: 'n1' }]), { command: virshSequence([['net-destroy', 'n1'], ['net-undefine', 'n1']]), stdin: undefined })
})

test('virsh: or-next-boot moves the persistent config where libvirt refuses live, and fails saying so', () => {
  const script = virshScript([{ op: 'update-device', domain: 'vm1', xml: '<interface/>', live: 'or-next-boot', refused }])
  const ok = runWithFakeVirsh(script)
  assert.is(ok.code, 0)
  assert.equal(ok.log.filter((l) => !l.startsWith('file:')).map((l) => l.replace(/\/\S+/, 'FILE')), ['update-device vm1 FILE --live --config'])
  const no = runWithFakeVirsh(script, '--live')
  assert.is(no.code, 3)
  assert.equal(no.log.filter((l) => !l.startsWith('file:')).map((l) => l.replace(/\/\S+/, 'FILE')), ['update-device vm1 FILE --live --config', 'update-device vm1 FILE --config'])
  assert.is(no.stderr, `${refused.message} (error: refused); ${refused.hint}`)
})

test('virsh: what cannot share a virsh process, or is virsh-only, is refused loudly', () => {
  assert.throws(() => virshScript([{ op: 'restart-network', name: 'n1' }, { op: 'start-network', name: 'n1' }]), /cannot share/)
  assert.throws(() => virshScript([{ op: 'shutdown-edit-start', domain: 'vm1', xml: '<interface/>', timeoutSec: 5 }]), /not one script/)
  assert.ok(VIRSH_ONLY.has('shutdown-edit-start'))
  assert.throws(() => libvirtChangeStep('x', [{ op: 'shutdown-edit-start', domain: 'vm1', xml: '', timeoutSec: 5 }, { op: 'update-device', domain: 'vm1', xml: '', live: false }]), /only change/)
})

/** A LibvirtRemote-like object recording its calls; updateDevice refuses live changes when told. */
function fakeApi(refuseLive = false) {
  const calls: unknown[][] = []
  const ref = (name: string) => ({ name, uuid: Buffer.alloc(16) })
  const api: LibvirtChangeApi = {
    lookupNetwork: async (name) => (calls.push(['lookupNetwork', name]), ref(name)),
    lookupDomain: async (name) => (calls.push(['lookupDomain', name]), { ...ref(name), id: 1 }),
    defineNetwork: async (xml) => (calls.push(['defineNetwork', xml]), ref('n1')),
    startNetwork: async (n) => void calls.push(['startNetwork', n.name]),
    setNetworkAutostart: async (n, on) => void calls.push(['setNetworkAutostart', n.name, on]),
    destroyNetwork: async (n) => void calls.push(['destroyNetwork', n.name]),
    undefineNetwork: async (n) => void calls.push(['undefineNetwork', n.name]),
    updateNetwork: async (n, command, section, parent, xml, flags) => void calls.push(['updateNetwork', n.name, command, section, parent, xml, flags]),
    lookupPool: async (name) => (calls.push(['lookupPool', name]), ref(name)),
    definePool: async (xml) => (calls.push(['definePool', xml]), ref('p1')),
    buildPool: async (p) => void calls.push(['buildPool', p.name]),
    startPool: async (p) => void calls.push(['startPool', p.name]),
    setPoolAutostart: async (p, on) => void calls.push(['setPoolAutostart', p.name, on]),
    updateDevice: async (d, xml, flags) => {
      calls.push(['updateDevice', d.name, xml, flags])
      if (refuseLive && flags & 1) throw new LibvirtCallError('Operation not supported: cannot modify network device type', 84)
    },
  }
  return { api, calls }
}

test('RPC: a storage pool defined, built, autostarted and started: the define hands back its reference; a pool alone is looked up once', async () => {
  const { api, calls } = fakeApi()
  await applyLibvirtChanges(api, [
    { op: 'define-pool', name: 'p1', xml: '<pool/>' },
    { op: 'build-pool', name: 'p1' },
    { op: 'autostart-pool', name: 'p1', on: true },
    { op: 'start-pool', name: 'p1' },
  ])
  assert.equal(calls, [['definePool', '<pool/>'], ['buildPool', 'p1'], ['setPoolAutostart', 'p1', true], ['startPool', 'p1']])
  const other = fakeApi()
  await applyLibvirtChanges(other.api, [{ op: 'start-pool', name: 'images' }, { op: 'autostart-pool', name: 'images', on: false }])
  assert.equal(other.calls, [['lookupPool', 'images'], ['startPool', 'images'], ['setPoolAutostart', 'images', false]])
})

test('virsh: pool changes share one virsh process, the XML through a temp file', () => {
  const { command, stdin } = virshScript([{ op: 'define-pool', name: 'p1', xml: '<pool/>' }, { op: 'build-pool', name: 'p1' }, { op: 'start-pool', name: 'p1' }])
  assert.match(command, 'virsh "pool-define $t; pool-build p1; pool-start p1"')
  assert.is(stdin, '<pool/>')
})

test('RPC: a define hands back its own reference; other changes look their network up once', async () => {
  const { api, calls } = fakeApi()
  await applyLibvirtChanges(api, [
    { op: 'define-network', name: 'n1', xml: XML },
    { op: 'autostart-network', name: 'n1', on: true },
    { op: 'start-network', name: 'n1' },
  ])
  assert.equal(calls, [['defineNetwork', XML], ['setNetworkAutostart', 'n1', true], ['startNetwork', 'n1']])
  const other = fakeApi()
  await applyLibvirtChanges(other.api, [{ op: 'destroy-network', name: 'n2' }, { op: 'undefine-network', name: 'n2' }])
  assert.equal(other.calls, [['lookupNetwork', 'n2'], ['destroyNetwork', 'n2'], ['undefineNetwork', 'n2']])
  const restart = fakeApi()
  await applyLibvirtChanges(restart.api, [{ op: 'restart-network', name: 'n2' }])
  assert.equal(restart.calls, [['lookupNetwork', 'n2'], ['destroyNetwork', 'n2'], ['startNetwork', 'n2']])
})

test('RPC: a DHCP host is net-update of ip-dhcp-host (section 4), add-last/modify/delete, live and config or config', async () => {
  const { api, calls } = fakeApi()
  await applyLibvirtChanges(api, [
    { op: 'update-dhcp-host', network: 'n1', action: 'add', host: HOST, live: true },
    { op: 'update-dhcp-host', network: 'n1', action: 'modify', host: HOST, live: false },
    { op: 'update-dhcp-host', network: 'n1', action: 'delete', host: HOST, live: true },
  ])
  const xml = "<host mac='52:54:00:00:00:01' name='vm1' ip='10.0.0.5'/>"
  assert.equal(calls, [
    ['lookupNetwork', 'n1'],
    ['updateNetwork', 'n1', 3, 4, -1, xml, 3],
    ['updateNetwork', 'n1', 1, 4, -1, xml, 2],
    ['updateNetwork', 'n1', 2, 4, -1, xml, 3],
  ])
})

test('RPC: update-device persistent, and or-next-boot where libvirt refuses live (config moved, then the error)', async () => {
  const { api, calls } = fakeApi()
  await applyLibvirtChanges(api, [{ op: 'update-device', domain: 'vm2', xml: '<i/>', live: false }])
  assert.equal(calls, [['lookupDomain', 'vm2'], ['updateDevice', 'vm2', '<i/>', 2]])
  const refusing = fakeApi(true)
  try {
    await applyLibvirtChanges(refusing.api, [{ op: 'update-device', domain: 'vm1', xml: '<i/>', live: 'or-next-boot', refused }])
    assert.unreachable('should have failed')
  } catch (err) {
    assert.instance(err, LibvirtCallError)
    assert.is((err as Error).message, `${refused.message} (Operation not supported: cannot modify network device type); ${refused.hint}`)
  }
  assert.equal(refusing.calls, [['lookupDomain', 'vm1'], ['updateDevice', 'vm1', '<i/>', 3], ['updateDevice', 'vm1', '<i/>', 2]])
})

test('the step: touches the one network or domain its changes share, else all of libvirt; carries its changes', async () => {
  const define = libvirtChangeStep('define', [{ op: 'define-network', name: 'n1', xml: XML }, { op: 'start-network', name: 'n1' }])
  assert.equal(define.touches, [resource.libvirtNetwork('n1'), resource.links])
  assert.equal(define.changes.length, 2)
  assert.ok(define.shell && define.native)
  assert.equal(libvirtChangeStep('restart', [{ op: 'restart-network', name: 'n1' }]).touches, [resource.libvirtNetwork(), resource.libvirtDomain(), resource.links])
  assert.equal(libvirtChangeStep('pool', [{ op: 'define-pool', name: 'p1', xml: '<pool/>' }, { op: 'start-pool', name: 'p1' }]).touches, [resource.libvirtPool('p1'), resource.links])
  assert.equal(libvirtChangeStep('mixed', [{ op: 'start-pool', name: 'p1' }, { op: 'start-network', name: 'n1' }]).touches, [resource.libvirtNetwork(), resource.libvirtDomain(), resource.links, resource.libvirtPool()])
  assert.equal(changesTouch([{ op: 'start-network', name: 'a' }, { op: 'start-network', name: 'b' }]), undefined)
  const move = libvirtChangeStep('move', [{ op: 'shutdown-edit-start', domain: 'vm1', xml: '<i/>', timeoutSec: 5 }])
  assert.equal(move.touches, [resource.libvirtDomain('vm1'), resource.links])
  assert.is(move.shell, undefined, 'several commands with waits between: not one script')
  assert.is(move.native, undefined, 'virsh-only')
  // Where the connection has no libvirt session, the native path declines and virsh runs.
  const conn = { host: 'h1' } as Connection
  assert.is(await define.native!(conn, { host: 'h1' }), false)
})

const IFACE = "<interface type='bridge'>\n  <mac address='52:54:00:00:00:01'/>\n  <source bridge='br0'/>\n</interface>"
const NIC1 = { domain: 'vm1', mac: '52:54:00:00:00:01', xml: IFACE }
const NIC2 = { domain: 'vm2', mac: '52:54:00:00:00:02', xml: IFACE.replace(':01', ':02') }
const RELINK: LibvirtChange = { op: 'relink', nics: [NIC1], seconds: 0.2 }

/**
 * Runs relinkScript with `virsh` a shell function that logs the domain and
 * the link state of the file it is given, and fails where `DOMAIN STATE`
 * matches `fail`; `during` runs once the shell has started (to signal it).
 */
function runRelink(fail = '^$', during?: (pid: number) => void, change: LibvirtChange = RELINK): Promise<{ code: number | null; log: string[]; stderr: string }> {
  const fake = `virsh() { for a in "$@"; do [ -f "$a" ] && s=$(sed -n 's/.*<link state="\\([a-z]*\\)".*/\\1/p' "$a"); done; printf '%s %s %s\\n' "$1" "$2" "$s" >&3; case "$*" in *--config*) echo config >&3;; esac; if printf '%s %s' "$2" "$s" | grep -Eq '${fail}'; then printf 'error: refused\\n%s\\n' "$s" >&2; return 1; fi; }`
  // A process group of its own: a hang-up reaches every process of it (the wait's sleep too), as from sshd.
  const child = spawn('sh', ['-c', `exec 3>&1 1>/dev/null; ${fake}\n${relinkScript(change as Extract<LibvirtChange, { op: 'relink' }>)}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stdout.on('data', (b) => (out += b))
  child.stderr.on('data', (b) => (err += b))
  if (during) setTimeout(() => during(child.pid!), 80)
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, log: out.trim().split('\n').filter(Boolean), stderr: err.trim() })))
}

test('relink script: down, the wait, up — update-device --live only, the XML with its link state', async () => {
  const ok = await runRelink()
  assert.is(ok.code, 0, ok.stderr)
  assert.equal(ok.log, ['update-device vm1 down', 'update-device vm1 up'])
  const down = await runRelink('down')
  assert.is(down.code, 5)
  assert.equal(down.log, ['update-device vm1 down'], 'no up where the down was refused: nothing changed')
  assert.is(down.stderr, 'down 0 error: refused down', "virsh's lines on one")
})

test('relink script: several NICs, one wait for all; a refused one does not stop the others', async () => {
  const two: LibvirtChange = { op: 'relink', nics: [NIC1, NIC2], seconds: 0.2 }
  const started = performance.now()
  const ok = await runRelink('^$', undefined, two)
  assert.is(ok.code, 0, ok.stderr)
  assert.equal(ok.log, ['update-device vm1 down', 'update-device vm2 down', 'update-device vm1 up', 'update-device vm2 up'])
  assert.ok(performance.now() - started < 1000, 'one wait, not one per NIC')
  const vm1Down = await runRelink('vm1 down', undefined, two)
  assert.is(vm1Down.code, 5)
  assert.equal(vm1Down.log, ['update-device vm1 down', 'update-device vm2 down', 'update-device vm2 up'], 'vm1 left as it was, vm2 bounced')
})

test('relink script: the up is tried three times; then it fails, saying which', async () => {
  const up = await runRelink('up')
  assert.is(up.code, 5)
  assert.equal(up.log, ['update-device vm1 down', 'update-device vm1 up', 'update-device vm1 up', 'update-device vm1 up'])
  assert.is(up.stderr, 'up 0 error: refused up')
})

test('relink script: a hang-up or interrupt during the wait (kvmplay gone, its connection dropped) does not stop the up', async () => {
  for (const sig of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    const r = await runRelink('^$', (pid) => process.kill(-pid, sig))
    assert.is(r.code, 0, `${sig}: ${r.stderr}`)
    assert.equal(r.log, ['update-device vm1 down', 'update-device vm1 up'], sig)
  }
})

/** A connection whose exec answers the relink script with this result (or throws this error). */
const relinkConn = (answer: ExecResult | Error) =>
  ({ host: 'h1', exec: async () => { if (answer instanceof Error) throw answer; return answer } }) as unknown as Connection

test('relink step: every failure names the domain, the MAC and what to run; a link left down says so first', async () => {
  const step = libvirtChangeStep('relink vm1', [RELINK])
  assert.equal(step.touches, [resource.libvirtDomain('vm1'), resource.links])
  const failure = async (answer: ExecResult | Error, change = RELINK) => {
    try {
      await libvirtChangeStep('relink', [change]).run(relinkConn(answer), { host: 'h1' })
    } catch (err) {
      return (err as Error).message
    }
    return 'no error'
  }
  assert.is(await failure({ code: 0, stdout: '', stderr: '' }), 'no error')
  assert.is(
    await failure({ code: 5, stdout: '', stderr: 'up 0 error: Timed out during operation' }),
    'h1: LINK LEFT DOWN: vm1 52:54:00:00:00:01 (error: Timed out during operation) — set down for the relink, libvirt refused to set it up again; cut off until `virsh domif-setlink vm1 52:54:00:00:00:01 up` succeeds',
  )
  assert.is(
    await failure({ code: 5, stdout: '', stderr: 'down 1 error: domain is not running\nup 0 error: Timed out' }, { op: 'relink', nics: [NIC1, NIC2], seconds: 2 }),
    'h1: LINK LEFT DOWN: vm1 52:54:00:00:00:01 (error: Timed out) — set down for the relink, libvirt refused to set it up again; cut off until `virsh domif-setlink vm1 52:54:00:00:00:01 up` succeeds; moved, but the link of vm2 52:54:00:00:00:02 (error: domain is not running) could not be set down for the relink; not changed, it keeps its old address until its DHCP lease renews',
  )
  assert.match(await failure(new Error('h1: connection lost')), /^h1: the relink of vm1 52:54:00:00:00:01 was cut short \(h1: connection lost\); their links may still be down .* `virsh domif-setlink vm1 52:54:00:00:00:01 up`$/)
  assert.match(await failure({ code: 1, stdout: '', stderr: 'mktemp: failed' }), 'h1: the relink of vm1 52:54:00:00:00:01 failed (exit 1: mktemp: failed)')
  assert.ok(libvirtChangeStep('x', [{ op: 'relink', nics: [NIC1, NIC2], seconds: 2 }]).touches?.length, 'two domains: what all of libvirt touches')
  assert.throws(() => libvirtChangeStep('x', [RELINK, { op: 'update-device', domain: 'vm1', xml: '', live: false }]), /relink must be a step's only change/)
  assert.throws(() => virshScript([RELINK]), /not one script/)
  await applyLibvirtChanges(fakeApi().api, [RELINK]).then(
    () => assert.unreachable('relink is virsh only'),
    (err) => assert.match((err as Error).message, 'relink goes by virsh only'),
  )
})

/** A LibvirtRpc-like object answering the feature query; records the calls' procedures and argument words. */
function fakeRpc(correctOrder: boolean) {
  const calls: { proc: number; args: Buffer }[] = []
  const rpc = {
    call: async (proc: number, args: Buffer = Buffer.alloc(0)) => {
      calls.push({ proc, args })
      return new XdrReader(proc === 60 ? new XdrWriter().i32(correctOrder ? 1 : 0).toBuffer() : Buffer.alloc(0))
    },
    close: () => {},
  }
  return { rpc: rpc as unknown as LibvirtRpc, calls }
}

test('net-update over RPC: asks once whether libvirtd takes command and section in order, and swaps them where it does not', async () => {
  const net = { name: 'n1', uuid: Buffer.alloc(16, 7) }
  const words = (args: Buffer) => {
    const r = new XdrReader(args)
    r.string()
    r.fixed(16)
    return [r.u32(), r.u32(), r.i32(), r.string(), r.u32()]
  }
  for (const fixed of [true, false]) {
    const { rpc, calls } = fakeRpc(fixed)
    const api = new LibvirtRemote(rpc)
    await api.updateNetwork(net, 3, 4, -1, '<host/>', 3)
    await api.updateNetwork(net, 2, 4, -1, '<host/>', 2)
    assert.equal(calls.map((c) => c.proc), [60, 291, 291], 'the feature is asked once a session')
    assert.equal(new XdrReader(calls[0].args).i32(), 16)
    assert.equal(words(calls[1].args), fixed ? [3, 4, -1, '<host/>', 3] : [4, 3, -1, '<host/>', 3])
    assert.equal(words(calls[2].args), fixed ? [2, 4, -1, '<host/>', 2] : [4, 2, -1, '<host/>', 2])
  }
})

test.run()
