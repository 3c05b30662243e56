/**
 * service as a handler, through the runner on this machine (the local
 * connection, real /bin/sh): a config file that changes notifies
 * `restart libvirtd`, which restarts it once at the end of the play; --check
 * says so and restarts nothing; the second run changes nothing. systemd is
 * not PID 1 here, so `systemctl` is a stand-in on PATH (logging what it is
 * asked) and /run/systemd/system a temp directory, both put in place by the
 * connection: every other word of the commands is kvmplay's own.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runPlaybook } from '../../src/core/runner.ts'
import type { RunHost, RunOptions } from '../../src/core/runner.ts'
import { playbook } from '../../src/core/playbook.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'
import { file, service } from '../../tasks/index.ts'
import { tempDirs } from '../helpers/temp.ts'

const temp = tempDirs('service')

const dir = temp.make()
const bin = join(dir, 'bin')
const runDir = join(dir, 'run-systemd-system')
mkdirSync(bin)
mkdirSync(runDir)
const log = join(dir, 'systemctl.log')
// The stand-in: `show` answers a running, enabled libvirtd; any other verb is logged.
writeFileSync(
  join(bin, 'systemctl'),
  `#!/bin/sh\nif [ "$1" = show ]; then printf 'LoadState=loaded\\nActiveState=active\\nUnitFileState=enabled\\n'; exit 0; fi\necho "$*" >> ${log}\n`,
)
chmodSync(join(bin, 'systemctl'), 0o755)

const host: RunHost = { name: 'a', vars: {}, groups: ['all'], target: { kind: 'local', host: 'a', commandTimeoutMs: 10_000 } }
const options: RunOptions = {
  playbookDir: dir,
  connect: async (t) => {
    const c = connectLocal(t as never)
    return { ...c, exec: (cmd: string, o?: object) => c.exec(`PATH=${bin}:$PATH\n${cmd.replaceAll('/run/systemd/system', runDir)}`, o) } as Connection
  },
}
const conf = join(dir, 'libvirtd.conf')
const play = (content: string) =>
  playbook({
    name: 'libvirtd config',
    hosts: 'all',
    tasks: [file({ path: conf, content, backup: false, notify: 'restart libvirtd' }), service({ unit: 'libvirtd', enabled: true, state: 'started' })],
    handlers: { 'restart libvirtd': service({ unit: 'libvirtd', state: 'restarted' }) },
  })
const restarts = () => (existsSync(log) ? readFileSync(log, 'utf8') : '')

test('check: the file and the handler would change; nothing is restarted', async () => {
  const checked = await runPlaybook(play('listen_tls = 0\n'), [host], { ...options, check: true })
  assert.is(checked.recap.a.changed, 2)
  assert.is(restarts(), '')
  assert.not.ok(existsSync(conf))
})

test('a changed config restarts libvirtd once, at the end; the second run restarts nothing', async () => {
  const first = await runPlaybook(play('listen_tls = 0\n'), [host], options)
  assert.equal([first.recap.a.changed, first.recap.a.ok, first.recap.a.failed], [2, 1, 0])
  assert.is(restarts(), 'restart -- libvirtd.service\n')
  const second = await runPlaybook(play('listen_tls = 0\n'), [host], options)
  assert.equal([second.recap.a.changed, second.recap.a.ok], [0, 2])
  assert.is(restarts(), 'restart -- libvirtd.service\n')
  await runPlaybook(play('listen_tls = 1\n'), [host], options)
  assert.is(restarts(), 'restart -- libvirtd.service\nrestart -- libvirtd.service\n', 'changed again: restarted again')
})

test.after(temp.removeAll)
test.run()
