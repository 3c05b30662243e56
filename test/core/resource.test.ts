/** When a change to one resource can alter what is read from another. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { describeResource, overlapping, overlaps, resource } from '../../src/core/resource.ts'

test('paths overlap along a line of descent, not beside it', () => {
  assert.ok(overlaps(resource.path('/etc/x'), resource.path('/etc/x')))
  assert.ok(overlaps(resource.path('/etc'), resource.path('/etc/x')), 'a write below changes a listing of its parent')
  assert.ok(overlaps(resource.path('/etc/x/y'), resource.path('/etc/x')), 'removing a directory removes what is in it')
  assert.not.ok(overlaps(resource.path('/etc/x'), resource.path('/etc/xy')), 'a name that merely starts the same')
  assert.not.ok(overlaps(resource.path('/etc/a'), resource.path('/etc/b')))
  assert.ok(overlaps(resource.path('/'), resource.path('/etc')))
})

test('a named resource overlaps itself and its whole kind, not its siblings or other kinds', () => {
  assert.ok(overlaps(resource.libvirtNetwork('br0'), resource.libvirtNetwork('br0')))
  assert.ok(overlaps(resource.libvirtNetwork(), resource.libvirtNetwork('br0')))
  assert.not.ok(overlaps(resource.libvirtNetwork('default'), resource.libvirtNetwork('br0')))
  assert.not.ok(overlaps(resource.libvirtNetwork('vm1'), resource.libvirtDomain('vm1')))
  assert.ok(overlaps(resource.sysctl(), resource.sysctl('net.ipv4.ip_forward')))
  assert.not.ok(overlaps(resource.sysctl('a'), resource.sysctl('b')))
  assert.not.ok(overlaps(resource.links, resource.path('/sys/class/net')))
})

test('anything overlaps everything, both ways', () => {
  for (const r of [resource.links, resource.path('/x'), resource.sysctl('k'), resource.libvirtDomain('d')]) {
    assert.ok(overlaps(resource.anything, r))
    assert.ok(overlaps(r, resource.anything))
  }
})

test('overlapping keeps the touched resources that hit a read; describeResource names them', () => {
  const hit = overlapping([resource.libvirtNetwork(), resource.libvirtDomain()], [resource.links, resource.libvirtNetwork('br0')])
  assert.equal(hit.map(describeResource), ['libvirt-network br0'])
  assert.is(describeResource(resource.path('/etc/x')), 'path /etc/x')
  assert.is(describeResource(resource.links), 'links')
})

test.run()
