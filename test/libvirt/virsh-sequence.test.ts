// virshSequence through a real /bin/sh and a stand-in virsh that, like the
// real one, goes on after a failed command and exits with the last one's status.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { virshSequence } from '../../src/libvirt/virsh.ts'

const dir = mkdtempSync(join(tmpdir(), 'kvmplay-virsh-'))
// Logs each `;`-separated command (and the file's content for net-define); "net-start bad" fails.
writeFileSync(
  join(dir, 'virsh'),
  `#!/bin/sh
IFS=';'; for c in $1; do
  c="\${c# }"
  echo "$c" >> ${dir}/log
  case "$c" in "net-define "*) cat "\${c#net-define }" >> ${dir}/log;; "net-start bad") echo "error: Failed to start network bad" >&2; rc=1; continue;; esac
  echo "ran $c"; rc=0
done
exit $rc
`,
)
chmodSync(join(dir, 'virsh'), 0o755)
const run = (script: string, input = '') => {
  rmSync(join(dir, 'log'), { force: true })
  const res = spawnSync('/bin/sh', ['-c', script], { input, encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } })
  return { ...res, log: readFileSync(join(dir, 'log'), 'utf8') }
}

test('one virsh process runs every command, the XML reaching net-define through a file', () => {
  const res = run(virshSequence([['net-define', '$t'], ['net-autostart', 'br0'], ['net-start', 'br0']]), '<network/>\n')
  assert.is(res.status, 0, res.stderr + res.log)
  assert.match(res.log, /^net-define \/tmp\/tmp\.\w+\n<network\/>\nnet-autostart br0\nnet-start br0\n$/)
})

test('an error: from any command fails the whole, with what virsh said', () => {
  const res = run(virshSequence([['net-start', 'bad'], ['net-autostart', 'bad']]))
  assert.is(res.status, 1)
  assert.is(res.stderr, 'error: Failed to start network bad\n')
})

test('words that virsh would have to parse specially are refused', () => {
  assert.throws(() => virshSequence([['net-start', 'a;b']]), /needs quoting/)
  assert.throws(() => virshSequence([['net-start', "it's"]]), /needs quoting/)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
