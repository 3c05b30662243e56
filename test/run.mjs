#!/usr/bin/env node
// Runs the uvu suites (TypeScript through tsx) and ends with the plain
// "N passed, N failed" line that CI reads. `--unit` skips the lab tests
// (*.lab.test.ts), which need root and the lab's Debian packages.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const unit = process.argv.includes('--unit')
const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url))
// Files named (test/tasks/sysctl.test.ts): only those — never the whole suite, lab included, by surprise.
// With --unit, named lab files are left out too: a glob (test/cutover/*.test.ts) must not start lab suites on the shared test lab.
const named = process.argv.slice(2).filter((a) => !a.startsWith('--') && !(unit && a.includes('.lab.')))
if (unit && named.length === 0 && process.argv.slice(2).some((a) => !a.startsWith('--'))) {
  console.error('run.mjs --unit: every file named is a lab test; nothing to run')
  process.exit(2)
}
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const only = named.map((f) => escape(f.replace(/^(\.\/)?test\//, '')) + '$')
const pattern = only.length ? `^(${only.join('|')})` : unit ? '(?<!\\.lab)\\.test\\.ts$' : '\\.test\\.ts$'

const env = { ...process.env }
if (!process.stdout.isTTY) {
  env.NO_COLOR = '1'
  delete env.FORCE_COLOR
}
const child = spawn(process.execPath, ['--import', 'tsx', uvu, 'test', pattern], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env,
})
let out = ''
child.stdout.on('data', (chunk) => {
  out += chunk
  process.stdout.write(chunk)
})
child.on('close', (code) => {
  // uvu prints "Total: N", "Passed: N", "Skipped: N" at the end (with ANSI colours).
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
  const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0)
  const total = num('Total')
  const passed = num('Passed')
  const skipped = num('Skipped')
  // The lab tests share one lab, kept up between suites; nothing of it outlives the run.
  if (!unit && (!only.length || named.some((f) => f.includes('.lab.')))) {
    const dir = process.env.KVMPLAY_TEST_LAB_DIR ? ['--dir', process.env.KVMPLAY_TEST_LAB_DIR] : []
    spawnSync(process.execPath, [fileURLToPath(new URL('../bin/kvmplay.mjs', import.meta.url)), 'lab', 'down', '--name', process.env.KVMPLAY_TEST_LAB_NAME ?? 'test', ...dir], { stdio: 'ignore' })
  }
  // uvu's Total leaves the skipped tests out already.
  console.log(`\n${passed} passed, ${total - passed} failed, ${skipped} skipped`)
  // CI (.ci/run) installs everything every suite needs: a skip there is a suite that did not run, not a pass.
  if (process.env.KVMPLAY_NO_SKIPS === '1' && skipped > 0) {
    console.log(`KVMPLAY_NO_SKIPS: ${skipped} test(s) skipped — each says why above (stderr); every suite must run here`)
    process.exit(1)
  }
  process.exit(code ?? 1)
})
