/** The bare hosts' cache key and what they need on the machine (pure: no build, no lab). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { BARE_PACKAGES, REPO_PACKAGES, bareCacheKey, bareDir } from '../../src/lab/bare-root.ts'
import { packagesFor } from '../../src/lab/preflight.ts'
import { isBare, networkSystem, supportsDhcp } from '../../src/lab/profiles.ts'

test('the cache key follows the package lists, not their order', () => {
  const key = bareCacheKey()
  assert.is(bareCacheKey([...BARE_PACKAGES].reverse(), [...REPO_PACKAGES].reverse()), key)
  assert.is.not(bareCacheKey([...BARE_PACKAGES, 'vim-tiny']), key)
  assert.is.not(bareCacheKey(BARE_PACKAGES, [...REPO_PACKAGES, 'ovmf']), key)
  assert.is(bareDir('/c', key), `/c/bare-debian-12-${key}`)
})

test('a bare host is bare: no qemu or libvirt in its root, and the repository has what the bootstrap installs', () => {
  for (const pkg of BARE_PACKAGES) assert.not.match(pkg, /qemu|libvirt/)
  for (const pkg of ['qemu-system-x86', 'libvirt-daemon-system', 'libvirt-clients', 'bridge-utils']) assert.ok((REPO_PACKAGES as readonly string[]).includes(pkg), pkg)
})

test('bare-debian needs mmdebstrap, dpkg-dev and systemd-container on the machine, not ifupdown (it is in its own root)', () => {
  const pkgs = Object.keys(packagesFor(['bare-debian']))
  for (const p of ['mmdebstrap', 'dpkg-dev', 'systemd-container']) assert.ok(pkgs.includes(p), p)
  assert.not.ok(pkgs.includes('ifupdown'))
  assert.not.ok(Object.keys(packagesFor(['ifupdown'])).includes('mmdebstrap'))
  assert.ok(isBare('bare-debian') && !isBare('ifupdown'))
  assert.is(networkSystem('bare-debian'), 'ifupdown')
  assert.not.ok(supportsDhcp('bare-debian'))
})

test.run()
