/** The escalation's state machine and gate, fed canned channel output (what sudo, su and doas really print, seen on the lab). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { becomeCommand, escalationMachine, withStdin } from '../../src/connection/become.ts'
import type { Become } from '../../src/connection/become.ts'
import { EscalationGate } from '../../src/connection/escalation-gate.ts'
import { becomeFor } from '../../src/connection/become-settings.ts'

const ids = { prompt: '[kvmplay become 0123] password:', marker: 'KVMPLAY-BECOME-0123' }
const sudo: Become = { method: 'sudo', user: 'root', password: 's3cret' }
const machine = (b: Become = sudo) => escalationMachine('h1', 'kvsudo', b, ids)
const buf = (s: string) => Buffer.from(s)

/** A gate over a fake channel: what was written to it, whether it was killed, what the command heard. */
function gated(b: Become = sudo) {
  const written: string[] = []
  let killed = false
  const gate = new EscalationGate(machine(b), { write: (d) => written.push(d), kill: () => (killed = true) }, b.password, 60_000)
  const heard: string[] = []
  gate.onOut((d) => heard.push(d.toString()))
  gate.onErr((d) => heard.push(`err:${d}`))
  return { gate, written, heard, killed: () => killed }
}

test('sudo: the password is written only after our own prompt, then the bytes after the marker are the command’s', async () => {
  const g = gated()
  g.gate.err(buf('We trust you have received the usual lecture…\n'))
  assert.equal(g.written, [], 'a lecture is not a prompt')
  g.gate.err(buf(ids.prompt))
  assert.equal(g.written, ['s3cret\n'])
  g.gate.out(buf(`${ids.marker}\nfirst output`))
  await g.gate.ready
  g.gate.out(buf(' more'))
  g.gate.err(buf('warning'))
  assert.equal(g.heard, ['first output', ' more', 'err:warning'])
})

test('sudo NOPASSWD: the marker comes straight away and no password is ever written', async () => {
  const g = gated()
  g.gate.out(buf(`${ids.marker}\n`))
  await g.gate.ready
  assert.equal(g.written, [])
})

test("a prompt that is not kvmplay's gets no password", () => {
  const m = machine()
  assert.is(m.feed('err', buf('[sudo] password for kvsudo: ')).kind, 'wait')
  assert.is(m.feed('out', buf('Password: ')).kind, 'wait')
})

test('a wrong password: the second prompt ends it at once, one attempt only', async () => {
  const g = gated()
  g.gate.err(buf(ids.prompt))
  g.gate.err(buf('Sorry, try again.\n'))
  g.gate.err(buf(ids.prompt))
  const why = await g.gate.ready.then(() => '', (e: Error) => e.message)
  assert.match(why, /^h1: the become password was refused by sudo to root for kvsudo; kvmplay tried it once/)
  assert.equal(g.written, ['s3cret\n'], 'written once')
  assert.ok(g.killed())
  assert.not.match(why, /s3cret/)
})

test('a prompt split across chunks is still seen once', () => {
  const m = machine()
  assert.is(m.feed('err', buf(ids.prompt.slice(0, 10))).kind, 'wait')
  assert.is(m.feed('err', buf(ids.prompt.slice(10))).kind, 'send-password')
  assert.is(m.feed('out', buf(ids.marker)).kind, 'wait', 'the marker needs its newline')
  const done = m.feed('out', buf('\nx'))
  assert.is(done.kind, 'done')
  assert.is(done.kind === 'done' && done.stdout.toString(), 'x')
})

const refusal = (b: Become, stream: 'out' | 'err', text: string, before?: string) => {
  const m = machine(b)
  if (before) m.feed('err', buf(before))
  const step = m.feed(stream, buf(text))
  return step.kind === 'fail' ? step.error.message : step.kind
}

test('each refusal has its own message naming the host and what to change', () => {
  const noPw = { ...sudo, password: undefined }
  assert.match(refusal(noPw, 'err', 'sudo: a password is required\n'), /h1: sudo to root needs a password for kvsudo and none was given: pass -K \(--ask-become-pass\), --become-password-file FILE/)
  assert.match(refusal(sudo, 'err', 'kvsudo is not in the sudoers file.\n', ids.prompt), /h1: kvsudo may not run commands as root with sudo .*add a rule such as 'kvsudo ALL=\(ALL:ALL\) ALL'/)
  assert.match(refusal(sudo, 'err', "Sorry, user kvsudo is not allowed to execute '/bin/sh -c echo' as root on h1.\n", ids.prompt), /may not run commands as root/)
  assert.match(refusal(sudo, 'err', 'sudo: sorry, you must have a tty to run sudo\n'), /requires a terminal for kvsudo \(Defaults requiretty\).*'Defaults:kvsudo !requiretty'/)
  assert.match(refusal(sudo, 'err', 'sh: 1: sudo: not found\n'), /sudo is not installed on the host/)
  assert.match(refusal({ method: 'doas', user: 'root' }, 'out', 'doas: Authentication required\r\n'), /doas to root needs a password/)
  assert.match(refusal({ method: 'doas', user: 'root', password: 'x' }, 'out', 'doas: Operation not permitted\r\n'), /add 'permit kvsudo as root' to \/etc\/doas.conf/)
  for (const msg of [refusal(sudo, 'err', 'x'), refusal(sudo, 'err', '')]) assert.is(msg, 'wait')
  assert.match(refusal(sudo, 'err', 'sudo: a password is required'), /— nothing was changed$/)
})

test('su and doas: their own prompts (PAM’s, doas’ on a terminal) get the password once; a second is a wrong password', () => {
  const su = escalationMachine('h1', 'kvsu', { method: 'su', user: 'root', password: 'pw' }, ids)
  assert.is(su.feed('err', buf('Password: ')).kind, 'send-password')
  assert.match((su.feed('err', buf('su: Authentication failure\n')) as { error: Error }).error.message, /refused by su to root for kvsu/)
  const doas = escalationMachine('h1', 'kvdoas', { method: 'doas', user: 'root', password: 'pw' }, ids)
  assert.is(doas.feed('out', buf('\rdoas (kvdoas@h1) password: ')).kind, 'send-password')
  assert.is(doas.feed('out', buf(`\r\n${ids.marker}\n`)).kind, 'done')
})

test('a channel that closes before the marker, or stays silent, is a failure with what the method said', () => {
  const m = machine()
  m.feed('err', buf('sudo: unable to resolve host h1\n'))
  const closed = m.closed()
  assert.is(closed.kind, 'fail')
  assert.match((closed as { error: Error }).error.message, /sudo to root failed for kvsudo \(sudo said: sudo: unable to resolve host h1\)/)
  assert.match((machine().timedOut() as { error: Error }).error.message, /neither asked for the password nor started the shell in time/)
})

test('the command line: no password in it, -n without one, our prompt and marker', () => {
  const line = becomeCommand(sudo, 'exec /bin/sh -s', ids)
  assert.is(line, `sudo -H -S -p '${ids.prompt}' -u root /bin/sh -c 'echo ${ids.marker}; exec /bin/sh -s'`)
  assert.not.match(line, /s3cret/)
  assert.match(becomeCommand({ ...sudo, password: undefined }, 'x', ids), /^sudo -H -S -n -p /)
  assert.match(becomeCommand({ method: 'su', user: 'root' }, 'x', ids), /^LC_ALL=C su root -c /)
  assert.match(becomeCommand({ method: 'doas', user: 'root' }, 'x', ids), /^doas -n -u root /)
})

test('withStdin carries any bytes to the command inside the script', async () => {
  const { execFileSync } = await import('node:child_process')
  const bytes = Buffer.from([0, 1, 2, 13, 10, 39, 34, 255])
  const out = execFileSync('/bin/sh', ['-c', withStdin('od -An -tx1', bytes)]).toString()
  assert.is(out.trim().split(/\s+/).join(' '), '00 01 02 0d 0a 27 22 ff')
})

test('become settings: command line < play < inventory vars; the run password unless the host has its own', () => {
  const cli = { become: true, becomeMethod: 'sudo' }
  assert.equal(becomeFor('h', {}, {}, cli, 'pw'), { method: 'sudo', user: 'root', password: 'pw' })
  assert.is(becomeFor('h', {}, { become: false }, cli), undefined)
  assert.equal(becomeFor('h', { ansible_become: 'yes', ansible_become_method: 'doas', ansible_become_pass: 'own' }, { become: false }, {}, 'pw'), { method: 'doas', user: 'root', password: 'own' })
  assert.is(becomeFor('h', { ansible_become: false }, { become: true }, cli), undefined)
  assert.throws(() => becomeFor('h', { ansible_become: true, ansible_become_method: 'pbrun' }, {}, {}), /host h: ansible_become_method: become method 'pbrun' is not supported \(use sudo, su, doas\)/)
})

test.run()
