/**
 * What must hold after a network change before it is confirmed: the gateway
 * answers (ping, else neighbour resolution), the user's probes, and libvirtd answers —
 * over its API where the connection can reach the socket (a stand-in
 * libvirtd here, in process), else through `virsh list`.
 */
import { AUTH_LIST, fakeLibvirtd } from '../helpers/fake-libvirtd.ts'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { probeOf, probesFor, libvirtAnswers } from '../../src/network/probes.ts'
import { CANNOT_RUN } from '../../src/cutover/probe.ts'
import type { Connection } from '../../src/connection/types.ts'
import { connectLocal } from '../../src/connection/local.ts'
import { XdrWriter } from '../../src/libvirt/xdr.ts'
import type { Duplex } from 'node:stream'

const wish = (gateway?: string) => ({ gateway })
const VIRSH_LIST = 'command -v virsh >/dev/null 2>&1 || exit 127; virsh -q list --all --name >/dev/null'
const VIRSH_FAILED = 'libvirtd does not answer (virsh list: error: failed to connect to the hypervisor)'

test("the gateway probe comes first, named, then the user's probes in their order, with how each counts", () => {
  const probes = probesFor(wish('192.0.2.1'), ['test -e /run/ok', { command: 'systemctl is-active sshd', name: 'sshd runs', optional: true }, { command: 'true', precondition: false }])
  assert.equal(probes.map((p) => p.name), ['the gateway 192.0.2.1 answers', 'test -e /run/ok', 'sshd runs', 'true'])
  assert.equal(probes.slice(1).map((p) => [p.command, p.optional, p.precondition]), [['test -e /run/ok', undefined, undefined], ['systemctl is-active sshd', true, undefined], ['true', undefined, false]])
})

test("without a gateway (DHCP, or none known) only the user's probes are run", () => {
  assert.equal(probesFor(wish(), ['true']).map((p) => p.command), ['true'])
  assert.equal(probesFor(wish(), []), [])
})

test('a probe that is neither a command nor { command } is refused when the playbook is built', () => {
  assert.throws(() => probeOf({ name: 'x' } as never), /invalid probe \{"name":"x"\}: expected a shell command, or \{ command, name\?, optional\?, precondition\? \}/)
  assert.throws(() => probeOf({ command: ' ' }), /invalid probe/)
})

test('a host with neither ping nor ip and bash cannot probe its gateway: it says so with exit 127, it does not pass', async () => {
  // PATH holds none of them, so nothing is sent: `command -v` is the shell's own.
  const [probe] = probesFor(wish('192.0.2.1'), [])
  const res = await connectLocal({ kind: 'local', host: 'ctl', commandTimeoutMs: 5000 }).exec(`PATH=/nonexistent; ${probe.command}`)
  assert.is(res.code, CANNOT_RUN, res.stderr)
  assert.match(res.stderr, 'needs ping, or ip and bash, to ask the gateway')
})

/** A connection that records what it runs and answers each command with `code`; a libvirt socket only if given one. */
function fakeConnection(code: number, socket?: (path: string) => Promise<Duplex>) {
  const commands: string[] = []
  const sockets: string[] = []
  const conn: Connection = {
    host: 'h1',
    exec: async (command) => (commands.push(command), { code, stdout: '', stderr: code ? 'error: failed to connect to the hypervisor' : '' }),
    openUnixSocket: socket && ((path) => (sockets.push(path), socket(path))),
    close: async () => {},
  }
  return { conn, commands, sockets }
}

const CONNECT_LIST_ALL_NETWORKS = 283
const noNetworks = () => new XdrWriter().u32(0).u32(0).toBuffer() // an empty array, then the count libvirt returns

test('no socket to libvirt (a connection without forwarding): virsh list decides; its success is an answer', async () => {
  const { conn, commands } = fakeConnection(0)
  assert.is(await libvirtAnswers(conn), undefined)
  assert.equal(commands, [VIRSH_LIST])
})

test('virsh list failing is libvirtd not answering, with what virsh said', async () => {
  const { conn } = fakeConnection(1)
  assert.is(await libvirtAnswers(conn), VIRSH_FAILED)
})

test('no libvirt socket and no virsh: libvirtd cannot be asked, which is said, not passed', async () => {
  const { conn } = fakeConnection(127)
  assert.is(await libvirtAnswers(conn), 'libvirtd cannot be asked (no libvirt socket kvmplay can reach, and no virsh)')
})

test('libvirtd answering a call on its read-only socket is enough: no command runs on the host', async () => {
  const { conn, commands, sockets } = fakeConnection(1, async () => fakeLibvirtd((proc) => (proc === AUTH_LIST ? undefined : noNetworks())).stream)
  assert.is(await libvirtAnswers(conn), undefined)
  assert.equal(sockets, ['/run/libvirt/libvirt-sock-ro'])
  assert.equal(commands, [])
})

test('a socket that cannot be opened, or a libvirtd that hangs up on the call, falls back to virsh', async () => {
  const refused = fakeConnection(0, () => Promise.reject(new Error('forwarding refused')))
  assert.is(await libvirtAnswers(refused.conn), undefined)
  assert.equal(refused.commands, [VIRSH_LIST])

  const hangsUp = fakeConnection(1, async () => fakeLibvirtd((proc) => (proc === CONNECT_LIST_ALL_NETWORKS ? 'hang up' : undefined)).stream)
  assert.is(await libvirtAnswers(hangsUp.conn), VIRSH_FAILED)
  assert.equal(hangsUp.commands, [VIRSH_LIST])
})

test.run()
