/**
 * service, planned against canned `systemctl show` output: each change one
 * systemctl command, a second plan after applying a no-op, restarted as a
 * handler's action, masked units and a host without systemd as PID 1 each a
 * clear error.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { service, unitName } from '../../tasks/service.ts'
import type { ServiceOptions } from '../../tasks/service.ts'
import { parseUnitShow, unitFact } from '../../src/facts/systemd.ts'
import type { UnitState } from '../../src/facts/systemd.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const show = (text: string): UnitState => ({ systemd: true, ...parseUnitShow(text) })
const host = (state: () => UnitState) => cannedHost({ 'systemd-unit': () => state() })
const planOf = (opts: ServiceOptions, state: UnitState) => service(opts).plan(host(() => state))
const commands = (steps: readonly unknown[]) => steps.map((s) => (s as ConnectionStep).shell!.command)

const INSTALLED_STOPPED = show('LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n')

test('the fact: systemctl show read, and a host without /run/systemd/system told apart', () => {
  assert.equal(parseUnitShow('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n'), { load: 'loaded', active: 'active', file: 'enabled' })
  assert.equal(unitFact.parse({ code: 3, stdout: '', stderr: '' }, 'x.service'), { systemd: false, load: '', active: '', file: '' })
  assert.match(unitFact.command('libvirtd.service'), '[ -d /run/systemd/system ] || exit 3')
})

test('enabled and started: enable, then start; once applied, the second plan is a no-op', async () => {
  const plan = await planOf({ unit: 'libvirtd', enabled: true, state: 'started' }, INSTALLED_STOPPED)
  assert.equal(commands(plan.steps), ['systemctl enable -- libvirtd.service', 'systemctl start -- libvirtd.service'])
  assert.equal(plan.steps.map((s) => s.summary), ['enable libvirtd.service (was disabled)', 'start libvirtd.service (was inactive)'])
  const after = show('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n')
  assert.equal(await planOf({ unit: 'libvirtd', enabled: true, state: 'started' }, after), { steps: [], reason: 'libvirtd.service is enabled, started' })
})

test('disabled and stopped from enabled and running', async () => {
  const plan = await planOf({ unit: 'apt-daily.timer', enabled: false, state: 'stopped' }, show('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n'))
  assert.equal(commands(plan.steps), ['systemctl disable -- apt-daily.timer', 'systemctl stop -- apt-daily.timer'])
})

test('restarted (a handler): a restart every time it runs; reloaded starts a stopped unit', async () => {
  const running = show('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n')
  for (let i = 0; i < 2; i++) assert.equal(commands((await planOf({ unit: 'libvirtd', state: 'restarted' }, running)).steps), ['systemctl restart -- libvirtd.service'])
  assert.equal(commands((await planOf({ unit: 'libvirtd', state: 'reloaded' }, running)).steps), ['systemctl reload -- libvirtd.service'])
  assert.equal(commands((await planOf({ unit: 'libvirtd', state: 'reloaded' }, INSTALLED_STOPPED)).steps), ['systemctl start -- libvirtd.service'])
})

test('daemonReload: before the changes, never alone (a converged unit stays ok)', async () => {
  const running = show('LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n')
  assert.equal(commands((await planOf({ unit: 'libvirtd', state: 'restarted', daemonReload: true }, running)).steps), ['systemctl daemon-reload', 'systemctl restart -- libvirtd.service'])
  assert.is((await planOf({ unit: 'libvirtd', state: 'started', daemonReload: true }, running)).steps.length, 0)
})

test('masked: mask, unmask; a masked unit asked to start is refused, saying to unmask it', async () => {
  assert.equal(commands((await planOf({ unit: 'systemd-networkd-wait-online', masked: true, state: 'stopped' }, INSTALLED_STOPPED)).steps), ['systemctl mask -- systemd-networkd-wait-online.service'])
  const masked = show('LoadState=masked\nActiveState=inactive\nUnitFileState=masked\n')
  assert.is((await planOf({ unit: 'x', masked: true }, masked)).steps.length, 0)
  assert.equal(commands((await planOf({ unit: 'x', masked: false, state: 'started' }, masked)).steps), ['systemctl unmask -- x.service', 'systemctl start -- x.service'])
  assert.match(await rejectionMessageOf('precondition', planOf({ unit: 'x', state: 'started' }, masked)), 'x.service is masked, so it cannot be started: unmask it (masked: false)')
})

test('a static unit cannot be enabled: ok, saying so', async () => {
  const plan = await planOf({ unit: 'systemd-udevd', enabled: true }, show('LoadState=loaded\nActiveState=active\nUnitFileState=static\n'))
  assert.equal(plan, { steps: [], reason: 'systemd-udevd.service is enabled; systemd-udevd.service is static: systemctl does not enable it' })
})

test('a unit not installed yet (a --check of a bare host): planned as its package would leave it, saying so', async () => {
  const plan = await planOf({ unit: 'libvirtd', enabled: true, state: 'started' }, show('LoadState=not-found\nActiveState=inactive\nUnitFileState=\n'))
  assert.equal(commands(plan.steps), ['systemctl enable -- libvirtd.service', 'systemctl start -- libvirtd.service'])
  assert.match(plan.reason!, 'libvirtd.service is not installed yet')
})

test('systemd not PID 1: a clear error naming /run/systemd/system', async () => {
  const msg = await rejectionMessageOf('precondition', planOf({ unit: 'libvirtd', state: 'started' }, { systemd: false, load: '', active: '', file: '' }))
  assert.match(msg, 'h1: systemd is not PID 1 here (/run/systemd/system is absent')
})

test('unit names: .service implied, other suffixes kept, bad names and empty wishes refused', () => {
  assert.is(unitName('libvirtd'), 'libvirtd.service')
  assert.is(unitName('libvirtd.socket'), 'libvirtd.socket')
  assert.is(unitName('getty@tty1'), 'getty@tty1.service')
  assert.throws(() => service({ unit: 'x; reboot', state: 'started' }), /invalid unit name/)
  assert.throws(() => service({ unit: 'x' }), /enabled, state or masked/)
})

test.run()
