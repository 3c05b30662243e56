import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stockLibvirtTree, stockTree } from '../../src/lab/stock.ts'

test('the unpacked package is kept by version (an epoch colon made safe for a path)', () => {
  assert.is(stockTree('9.0.0-4+deb12u2', '/c'), '/c/libvirt-daemon-system_9.0.0-4+deb12u2')
  assert.is(stockTree('1:2.0-1', '/c'), '/c/libvirt-daemon-system_1%3a2.0-1')
})

test('a version apt cannot fetch is an error naming the package, the version and what to do, and leaves nothing behind', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'kvmplay-stock-'))
  try {
    await stockLibvirtTree(cache, '0.0-kvmplay-none')
    assert.unreachable('should have failed')
  } catch (e) {
    assert.match((e as Error).message, /^cannot fetch libvirt-daemon-system=0\.0-kvmplay-none \(lab hosts carry its libvirtd\.conf/)
    assert.match((e as Error).message, /apt-get update/)
  } finally {
    assert.equal(existsSync(cache) ? readdirSync(cache) : [], [], 'no half-fetched directory')
    rmSync(cache, { recursive: true, force: true })
  }
})

test.run()
