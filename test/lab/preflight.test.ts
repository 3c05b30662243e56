import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { preflight, APT_LINE, LAB_PACKAGES, PreflightError } from '../../src/lab/preflight.ts'

const everything = () => true

test('a Debian machine with root and every package passes', () => {
  preflight({ platform: 'linux', uid: 0, has: everything })
})

test('a non-Linux machine is refused, naming the need', () => {
  assert.throws(() => preflight({ platform: 'darwin', uid: 0, has: everything }), (e: Error) => e instanceof PreflightError && /needs Linux/.test(e.message))
})

test('without root the error says to use sudo', () => {
  assert.throws(() => preflight({ platform: 'linux', uid: 1000, has: everything }), /needs root: run it with sudo/)
})

test('a missing package names it and gives the exact apt-get line', () => {
  const has = (path: string) => path !== LAB_PACKAGES['tini'] && path !== LAB_PACKAGES['libvirt-daemon']
  try {
    preflight({ platform: 'linux', uid: 0, has })
    assert.unreachable('should have thrown')
  } catch (e) {
    const msg = (e as Error).message
    assert.match(msg, 'missing: libvirt-daemon, tini')
    assert.match(msg, APT_LINE)
  }
})

test('the apt-get line installs every package the lab uses, without recommends', () => {
  assert.match(APT_LINE, /^apt-get install -y --no-install-recommends /)
  for (const pkg of Object.keys(LAB_PACKAGES)) assert.ok(APT_LINE.split(' ').includes(pkg), pkg)
  // libvirt-daemon-system would start a libvirtd and virbr0 on the machine itself.
  assert.not.ok(APT_LINE.includes('libvirt-daemon-system'))
})

test.run()
