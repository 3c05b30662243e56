/** The compiler's plain output read back: located errors, their continuation lines, errors of no file, the files it read. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findCompiler, parseOutput } from '../../src/core/tsc.ts'
import { checkPlaybookTypes, formatDiagnostic } from '../../src/core/typecheck.ts'

const OUT = `site.play.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.
sub/x.ts(10,2): error TS2345: Argument of type '{ a: 1; }' is not assignable to parameter of type 'B'.
  Object literal may only specify known properties.
error TS5023: Unknown compiler option 'bogus'.
/usr/lib/node_modules/typescript/lib/lib.es2023.d.ts
/home/u/site.play.ts
`

test('diagnostics with their locations made absolute, continuation lines kept, and the files read', () => {
  const { diagnostics, files } = parseOutput(OUT, '/home/u')
  assert.equal(diagnostics[0], { file: '/home/u/site.play.ts', line: 3, column: 7, code: 'TS2322', message: "Type 'string' is not assignable to type 'number'." })
  assert.is(diagnostics[1].file, '/home/u/sub/x.ts')
  assert.match(diagnostics[1].message, "parameter of type 'B'.\n  Object literal may only specify known properties.")
  assert.equal(diagnostics[2], { code: 'TS5023', message: "Unknown compiler option 'bogus'." })
  assert.equal(files, ['/usr/lib/node_modules/typescript/lib/lib.es2023.d.ts', '/home/u/site.play.ts'])
})

test('a diagnostic as a terminal shows it: file:line:col, relative where that is shorter', () => {
  const [d] = parseOutput(OUT, '/home/u').diagnostics
  assert.is(formatDiagnostic(d, '/home/u'), "site.play.ts:3:7: TS2322: Type 'string' is not assignable to type 'number'.")
  assert.is(formatDiagnostic(d, '/srv'), "/home/u/site.play.ts:3:7: TS2322: Type 'string' is not assignable to type 'number'.")
})

test("kvmplay's own compiler is found; an install without one says why, and the run is then told, not stopped", async () => {
  const found = await findCompiler()
  assert.ok('exe' in found && /^7\./.test(found.version), JSON.stringify(found))
  const empty = mkdtempSync(join(tmpdir(), 'kvmplay-no-tsc-'))
  try {
    writeFileSync(join(empty, 'package.json'), '{}')
    const missing = await findCompiler(empty)
    assert.ok('missing' in missing && missing.missing.includes('typescript'), JSON.stringify(missing))
  } finally {
    rmSync(empty, { recursive: true })
  }
})

test('a playbook that is not TypeScript is not type-checked, and nothing is said of it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-js-play-'))
  try {
    const play = join(dir, 'site.play.mjs')
    writeFileSync(play, 'export default {}\n')
    const { warning, result } = await checkPlaybookTypes(play)
    assert.is(warning, undefined)
    assert.match(result.skipped ?? '', 'is not TypeScript')
  } finally {
    rmSync(dir, { recursive: true })
  }
})

test.run()
