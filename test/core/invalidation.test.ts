/** Facts are dropped after a change — exactly those whose reads overlap what the change touched. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { FactCache } from '../../src/facts/cache.ts'
import type { Fact } from '../../src/facts/fact.ts'
import { connectLocal } from '../../src/connection/local.ts'
import type { Connection } from '../../src/connection/types.ts'
import { resource } from '../../src/core/resource.ts'
import type { Resource } from '../../src/core/resource.ts'
import { fileFact } from '../../src/facts/file.ts'
import { pathExistsFact, commandSucceedsFact } from '../../src/facts/probe.ts'
import { ifcfgFilesFact } from '../../src/facts/ifcfg.ts'
import { hostNetworkFact } from '../../src/facts/network.ts'
import { sysctlFact } from '../../src/facts/sysctl.ts'

const counter = (name: string, reads: Resource[]): Fact<string, void> => ({ name, describe: () => name, reads: () => reads, command: () => `echo ${name}`, parse: (r) => r.stdout.trim() })

test('invalidate(touched) drops only the facts that read it; invalidate() drops all', async () => {
  let execs = 0
  const local = connectLocal({ kind: 'local', host: 'l', commandTimeoutMs: 5000 })
  const conn: Connection = { ...local, exec: (c, o) => (execs++, local.exec(c, o)) }
  const cache = new FactCache(async () => conn)
  const libvirt = counter('libvirt', [resource.libvirtNetwork()])
  const file = counter('file', [resource.path('/etc/x')])
  await cache.gather([{ fact: libvirt, args: undefined }, { fact: file, args: undefined }])
  assert.is(execs, 1)
  cache.invalidate([resource.path('/etc/x')])
  await cache.get(libvirt, undefined)
  assert.is(execs, 1, 'libvirt still cached')
  await cache.get(file, undefined)
  assert.is(execs, 2, 'file read again')
  cache.invalidate()
  await cache.get(libvirt, undefined)
  assert.is(execs, 3)
})

/** Which of kvmplay's own facts a change to `touched` makes stale: those read again after it. */
async function staleAfter(touched: Resource[]): Promise<string[]> {
  const reads: [string, Resource[]][] = [
    ['file /etc/sysctl.conf', fileFact.reads('/etc/sysctl.conf')],
    ['file /etc/sysconfig/network-scripts/ifcfg-br0', fileFact.reads('/etc/sysconfig/network-scripts/ifcfg-br0')],
    ['exists /etc/sysconfig', pathExistsFact.reads('/etc/sysconfig')],
    ['ifcfg listing', ifcfgFilesFact.reads()],
    ['network', hostNetworkFact.reads()],
    ['sysctl net.ipv4.ip_forward', sysctlFact.reads('net.ipv4.ip_forward')],
    ['command succeeds', commandSucceedsFact.reads('test -e /x')],
  ]
  const readAgain: string[] = []
  let first = true
  const facts = reads.map(([name, r]): Fact<string, void> => ({
    name,
    describe: () => name,
    reads: () => r,
    command: () => 'true',
    parse: () => name,
    read: async () => (first || readAgain.push(name), name),
  }))
  const cache = new FactCache(async () => connectLocal({ kind: 'local', host: 'l', commandTimeoutMs: 5000 }))
  const all = facts.map((fact) => ({ fact, args: undefined }))
  await cache.gather(all)
  first = false
  cache.invalidate(touched)
  await cache.gather(all)
  return readAgain
}

test("a file write leaves other files, the links and sysctls alone, but drops its parents' probes and listings", async () => {
  assert.equal(await staleAfter([resource.path('/etc/sysconfig/network-scripts/ifcfg-br0')]), [
    'file /etc/sysconfig/network-scripts/ifcfg-br0',
    'exists /etc/sysconfig',
    'ifcfg listing',
    'command succeeds',
  ])
})

test('a sysctl change drops every sysctl and user command guard; a link change the network fact', async () => {
  assert.equal(await staleAfter([resource.sysctl()]), ['sysctl net.ipv4.ip_forward', 'command succeeds'])
  assert.equal(await staleAfter([resource.links]), ['network', 'command succeeds'])
  assert.equal(await staleAfter([resource.path('/etc/resolv.conf')]), ['network', 'command succeeds'])
})

test("a user's command touches anything: every fact goes", async () => {
  assert.is((await staleAfter([resource.anything])).length, 7)
})

test.run()
