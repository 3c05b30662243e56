/**
 * packages, planned against canned apt and dnf output: the manager chosen
 * from os-release, one transaction, the apt cache refreshed only when a
 * change needs it, a second plan after applying a no-op, and a held package,
 * a locked dpkg and an unknown name each a clear error.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { packages } from '../../tasks/packages.ts'
import type { PackagesOptions } from '../../tasks/packages.ts'
import { parseAptState, parseDnfState } from '../../src/packages/read.ts'
import type { PackagesState } from '../../src/packages/read.ts'
import { parseOsRelease, packageManagerOf } from '../../src/facts/os.ts'
import { packageFailure } from '../../src/packages/errors.ts'
import type { ConnectionStep } from '../../src/core/task.ts'
import { cannedHost } from '../helpers/host.ts'
import { rejectionMessageOf } from '../helpers/errors.ts'

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
const ROCKY = 'NAME="Rocky Linux"\nVERSION_ID="9.4"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'

/** What the apt fact prints on a Debian host with qemu installed, libvirt known but not installed, its cache 100 s old. */
const APT_OUT = [
  '#status',
  'qemu-system-x86\tinstall ok installed\t1:7.2+dfsg-7',
  'libvirt-daemon-system\tdeinstall ok config-files\t9.0.0-4',
  '#policy',
  'qemu-system-x86:',
  '  Installed: 1:7.2+dfsg-7',
  '  Candidate: 1:7.2+dfsg-7+deb12u6',
  '  Version table:',
  'libvirt-daemon-system:',
  '  Installed: (none)',
  '  Candidate: 9.0.0-4+deb12u2',
  '#cache',
  '1765000100',
  '1765000000',
].join('\n')

test('os-release chooses the manager: apt on Debian and Ubuntu, dnf on RHEL-likes, none elsewhere', () => {
  assert.is(packageManagerOf(parseOsRelease(DEBIAN)), 'apt')
  assert.is(packageManagerOf(parseOsRelease('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n')), 'apt')
  assert.is(packageManagerOf(parseOsRelease(ROCKY)), 'dnf')
  assert.is(packageManagerOf(parseOsRelease('ID=alpine\n')), undefined)
})

test('apt output is read: installed version, candidate, config-files as not installed, unknown names, cache age', () => {
  const s = parseAptState(APT_OUT, ['qemu-system-x86', 'libvirt-daemon-system', 'nosuchpkg'])
  assert.equal(s.packages['qemu-system-x86'], { installed: '1:7.2+dfsg-7', candidate: '1:7.2+dfsg-7+deb12u6', known: true, held: false })
  assert.equal(s.packages['libvirt-daemon-system'], { installed: undefined, candidate: '9.0.0-4+deb12u2', known: true, held: false })
  assert.equal(s.packages.nosuchpkg, { installed: undefined, candidate: undefined, known: false, held: false })
  assert.is(s.cacheAge, 100)
  assert.is(parseAptState('#status\n#policy\n#cache\n1765000100\n', ['x']).cacheAge, undefined, 'no stamp: never refreshed')
  assert.ok(parseAptState('#status\nvim\thold ok installed\t2:9.0\n#policy\n#cache\n', ['vim']).packages.vim.held)
})

/** A host answering os-release and the packages fact from a state the test changes, as apt would. */
function host(os: string, state: () => PackagesState) {
  return cannedHost({ 'os-release': () => parseOsRelease(os), packages: () => state() })
}
const planOf = (opts: PackagesOptions, h: ReturnType<typeof host>) => packages(opts).plan(h)
const summaries = (steps: readonly { summary: string }[]) => steps.map((s) => s.summary)
const commandOf = (s: unknown) => (s as ConnectionStep & { run: unknown }).run.toString()

test('installs what is missing in one apt transaction, with recommends (apt\'s and Ansible\'s default), and no refresh of a fresh cache', async () => {
  let state = parseAptState(APT_OUT, ['qemu-system-x86', 'libvirt-daemon-system'])
  const h = host(DEBIAN, () => state)
  const plan = await planOf({ names: ['qemu-system-x86', 'libvirt-daemon-system'] }, h)
  assert.equal(summaries(plan.steps), ['apt: install libvirt-daemon-system'])
  // Applying it: the package is installed; the second plan is a no-op.
  state = { ...state, packages: { ...state.packages, 'libvirt-daemon-system': { installed: '9.0.0-4+deb12u2', candidate: '9.0.0-4+deb12u2', known: true, held: false } } }
  assert.equal(await planOf({ names: ['qemu-system-x86', 'libvirt-daemon-system'] }, h), { steps: [], reason: 'qemu-system-x86, libvirt-daemon-system installed' })
})

test('the apt commands: noninteractive, lock timeout, recommends only when asked off, removals in the same transaction', async () => {
  const { aptInstallCommand, aptRefreshCommand } = await import('../../src/packages/commands.ts')
  const settings = { installRecommends: true, purge: false, lockTimeout: 60 }
  assert.is(
    aptInstallCommand({ install: ['a'], upgrade: ['b'], remove: ['c'] }, settings),
    'DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=60 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install -- a b c-',
  )
  assert.match(aptInstallCommand({ install: ['a'], upgrade: [], remove: ['c'] }, { installRecommends: false, purge: true, lockTimeout: 5 }), '--no-install-recommends --purge install -- a c-')
  assert.match(aptRefreshCommand(settings), 'apt-get -q -y -o DPkg::Lock::Timeout=60 update && mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/update-success-stamp')
})

test('the cache is refreshed only when needed: a package unknown to it, or a stale cache with something to install', async () => {
  const state = parseAptState(APT_OUT, ['qemu-system-x86', 'libvirt-daemon-system', 'virtinst'])
  const h = host(DEBIAN, () => state)
  assert.equal(summaries((await planOf({ names: ['virtinst'] }, h)).steps), ['refresh the apt cache (virtinst unknown to it)', 'apt: install virtinst'])
  assert.equal(summaries((await planOf({ names: 'libvirt-daemon-system', cacheValidTime: 50 }, h)).steps), ['refresh the apt cache (100 s old, over cacheValidTime 50 s)', 'apt: install libvirt-daemon-system'])
  assert.is((await planOf({ names: 'qemu-system-x86', cacheValidTime: 50 }, h)).steps.length, 0, 'installed: a stale cache is left alone')
})

test('latest: an upgrade where the candidate is newer; with a stale cache, one refresh then the upgrade', async () => {
  const state = parseAptState(APT_OUT, ['qemu-system-x86'])
  const h = host(DEBIAN, () => state)
  assert.equal(summaries((await planOf({ names: 'qemu-system-x86', state: 'latest' }, h)).steps), ['apt: upgrade qemu-system-x86'])
  const same = { packages: { 'qemu-system-x86': { installed: '1', candidate: '1', known: true, held: false } }, cacheAge: 10 }
  assert.is((await planOf({ names: 'qemu-system-x86', state: 'latest' }, host(DEBIAN, () => same))).reason, 'qemu-system-x86 installed at their newest')
  const stale = { ...same, cacheAge: 99999 }
  assert.equal(summaries((await planOf({ names: 'qemu-system-x86', state: 'latest' }, host(DEBIAN, () => stale))).steps), [
    'refresh the apt cache (99999 s old, over cacheValidTime 3600 s)',
    'apt: upgrade qemu-system-x86 where newer',
  ])
})

test('absent: removed when installed (config-files counts as gone), ok when not', async () => {
  const state = parseAptState(APT_OUT, ['qemu-system-x86', 'libvirt-daemon-system'])
  const h = host(DEBIAN, () => state)
  assert.equal(summaries((await planOf({ names: ['qemu-system-x86', 'libvirt-daemon-system'], state: 'absent' }, h)).steps), ['apt: remove qemu-system-x86'])
  assert.is((await planOf({ names: 'libvirt-daemon-system', state: 'absent' }, h)).reason, 'libvirt-daemon-system not installed')
})

test('a held package that would change is a clear error naming it and apt-mark unhold', async () => {
  const state = parseAptState('#status\nvim\thold ok installed\t2:9.0\n#policy\nvim:\n  Installed: 2:9.0\n  Candidate: 2:9.1\n#cache\n100\n90\n', ['vim'])
  const h = host(DEBIAN, () => state)
  const msg = await rejectionMessageOf('precondition', planOf({ names: 'vim', state: 'latest' }, h))
  assert.match(msg, 'package vim is held')
  assert.match(msg, 'apt-mark unhold vim')
  assert.is((await planOf({ names: 'vim' }, h)).steps.length, 0, 'present: a held package that is installed is fine')
})

test("a locked dpkg (another apt running), an unknown package after a refresh: the step's failure says which and what to do", () => {
  const lock = packageFailure('h1', 'apt: install x', {
    code: 100,
    stdout: '',
    stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n',
  })
  assert.is(lock.kind, 'precondition')
  assert.match(lock.message, '/var/lib/dpkg/lock-frontend is locked by another package manager (unattended-upgr, pid 812)')
  assert.match(lock.message, 'wait for it to finish')
  const unknown = packageFailure('h1', 'apt: install virtinst', { code: 100, stdout: '', stderr: 'E: Unable to locate package virtinst\n' })
  assert.match(unknown.message, 'no package virtinst in the host')
  assert.is(packageFailure('h1', 'x', { code: 1, stdout: '', stderr: 'E: something else\n' }).kind, 'command')
  const interrupted = packageFailure('h1', 'apt: install x', { code: 100, stdout: '', stderr: "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.\n" })
  assert.match(interrupted.message, 'run `dpkg --configure -a` on the host')
})

test('a virtual package (known, nothing installable) is refused: it would read as never installed and install on every run', async () => {
  const s = parseAptState('#status\n#policy\nmail-transport-agent:\n  Installed: (none)\n  Candidate: (none)\n#cache\n100\n90\n', ['mail-transport-agent'])
  assert.match(await rejectionMessageOf('precondition', planOf({ names: 'mail-transport-agent' }, host(DEBIAN, () => s))), 'mail-transport-agent has no installable version in apt\'s cache (a virtual package?)')
})

test('a fresh cache that does not know a package: refused before anything runs', async () => {
  const s = { packages: { nosuch: { known: false, held: false } }, cacheAge: 5 }
  // Unknown names always refresh first (the cache may predate the package); only an unknown in dnf's repositories is refused at once.
  assert.equal(summaries((await planOf({ names: 'nosuch' }, host(DEBIAN, () => s))).steps), ['refresh the apt cache (nosuch unknown to it)', 'apt: install nosuch'])
  assert.match(await rejectionMessageOf('precondition', planOf({ names: 'nosuch' }, host(ROCKY, () => s))), 'no package nosuch in dnf')
})

test('dnf (canned output: no RHEL host runs here): rpm and repoquery read, install and upgrade in one step', async () => {
  const out = ['#installed', 'package libvirt is not installed', 'qemu-kvm\t17:8.2.0-11.el9', '#available', 'libvirt\t0:10.0.0-6.el9', 'qemu-kvm\t17:8.2.0-12.el9'].join('\n')
  const state = parseDnfState(out, ['libvirt', 'qemu-kvm'])
  assert.equal(state.packages.libvirt, { installed: undefined, candidate: '10.0.0-6.el9', known: true, held: false })
  assert.equal(state.packages['qemu-kvm'].installed, '17:8.2.0-11.el9')
  const plan = await planOf({ names: ['libvirt', 'qemu-kvm'], state: 'latest', installRecommends: false }, host(ROCKY, () => state))
  assert.equal(summaries(plan.steps), ['dnf: install libvirt; upgrade qemu-kvm'])
  assert.match(commandOf(plan.steps[0]), 'conn.exec')
  const { dnfCommand } = await import('../../src/packages/commands.ts')
  assert.is(dnfCommand({ install: ['libvirt'], upgrade: ['qemu-kvm'], remove: [] }, false), 'dnf -y -q --setopt=install_weak_deps=False install -- libvirt && dnf -y -q upgrade -- qemu-kvm')
})

test('an unknown distribution and bad names are refused', async () => {
  assert.match(await rejectionMessageOf('precondition', planOf({ names: 'x' }, host('ID=alpine\n', () => ({ packages: {} })))), 'no package manager kvmplay knows for alpine')
  assert.throws(() => packages({ names: 'vim; reboot' }), /invalid package name/)
  assert.throws(() => packages({ names: [] }), /empty/)
})

test('os-release is the declared fact (prefetched with the play\'s others); the packages are read in plan, once the manager is known', async () => {
  const state = parseAptState(APT_OUT, ['libvirt-daemon-system'])
  const task = packages({ names: 'libvirt-daemon-system' })
  const plan = await task.plan(host(DEBIAN, () => state))
  assert.is(plan.steps.length, 1)
  assert.equal(task.facts!(host(DEBIAN, () => state)).map((r) => r.fact.name), ['os-release'])
})

test.run()
