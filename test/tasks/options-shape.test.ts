/**
 * Every task kvmplay exports checks its options' shape when it is built —
 * when the playbook loads, before any host is contacted: a misspelt key is
 * refused with the closest known one, a value of the wrong kind too. A task
 * added to tasks/index.ts without a line here fails the first test.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as tasks from '../../tasks/index.ts'
import { isKvmplayError } from '../../src/core/errors.ts'

/** Options each task accepts, and one key of them to misspell. */
const valid: Record<string, { options: Record<string, unknown>; key: string }> = {
  file: { options: { path: '/etc/x', content: 'x\n', mode: '0600' }, key: 'mode' },
  template: { options: { src: 'motd.hbs', dest: '/etc/motd', owner: 'root' }, key: 'owner' },
  sysctl: { options: { key: 'net.ipv4.ip_forward', value: 1 }, key: 'value' },
  enableIpForward: { options: { file: '/etc/sysctl.d/90-fwd.conf' }, key: 'file' },
  command: { options: { cmd: 'true', creates: '/tmp/x' }, key: 'creates' },
  persistBridge: { options: { bridge: 'br0', gateway: '192.0.2.1' }, key: 'gateway' },
  writeIfcfg: { options: { bridge: 'br0' }, key: 'bridge' },
  applyBridge: { options: { bridge: 'br0', confirmTimeout: 30 }, key: 'confirmTimeout' },
  applyIfcfg: { options: { bridge: 'br0' }, key: 'bridge' },
  defineNetwork: { options: { name: 'default', forward: 'nat', bridge: 'virbr0', address: '192.168.122.1', prefix: 24 }, key: 'forward' },
  editDomainInterface: { options: { from: { network: 'default' }, to: { bridge: 'br0' } }, key: 'from' },
  destroyNetwork: { options: { network: 'default' }, key: 'network' },
  destroyDefaultNet: { options: { network: 'default' }, key: 'network' },
  persistBridgeRemoval: { options: { bridge: 'br0' }, key: 'bridge' },
  removeBridge: { options: { bridge: 'br0', probes: ['true'] }, key: 'probes' },
  recordGuests: { options: { bridge: 'br0' }, key: 'bridge' },
  packages: { options: { names: ['qemu-system-x86', 'libvirt-daemon-system'], state: 'latest' }, key: 'state' },
  service: { options: { unit: 'libvirtd', enabled: true, state: 'started' }, key: 'enabled' },
  groupMember: { options: { user: 'admin', group: 'libvirt' }, key: 'group' },
  kernelModule: { options: { module: 'kvm_intel', params: 'nested=1' }, key: 'params' },
  storagePool: { options: { name: 'default', type: 'dir', target: '/var/lib/libvirt/images' }, key: 'target' },
}

type Factory = (o: unknown) => unknown
const factories = Object.entries(tasks as unknown as Record<string, unknown>).filter((e): e is [string, Factory] => typeof e[1] === 'function')

/** The key as a hurried hand types it: the last two letters swapped. */
const misspelt = (key: string) => key.slice(0, -2) + key.slice(-1) + key.slice(-2, -1)

const refusal = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    assert.ok(isKvmplayError(e, 'validation'), String(e))
    return (e as Error).message
  }
  throw new assert.Assertion({ message: 'the options were accepted', generated: false, operator: 'throws', expects: 'a refusal', actual: 'none' })
}

test('every task of tasks/index.ts has a case here', () => {
  assert.equal(factories.map(([n]) => n).sort(), Object.keys(valid).sort())
})

test('every task accepts its valid options', () => {
  for (const [name, build] of factories) build(valid[name].options)
})

test('a misspelt option of every task is refused, naming it and the option meant', () => {
  for (const [name, build] of factories) {
    const { options, key } = valid[name]
    const { [key]: value, ...rest } = options
    const typo = misspelt(key)
    const message = refusal(() => build({ ...rest, [typo]: value }))
    assert.match(message, `unknown option \`${typo}\`: did you mean \`${key}\`?`, name)
  }
})

test("a misspelling of an option every task takes (TaskOptions) is refused too, and so is a value of the wrong kind", () => {
  for (const [name, build] of factories) {
    assert.match(refusal(() => build({ ...valid[name].options, notfiy: 'x' })), 'did you mean `notify`?', name)
    assert.match(refusal(() => build({ ...valid[name].options, become: 'yes' })), '`become` must be true or false, not "yes"', name)
  }
})

test("the issue's examples: file's mdoe, persistBridge's gatway and bridg, sysctl's boolean value", () => {
  assert.match(refusal(() => tasks.file({ path: '/etc/x', content: 'x\n', mdoe: '0600' } as never)), 'file: unknown option `mdoe`: did you mean `mode`?')
  assert.match(refusal(() => tasks.persistBridge({ bridge: 'br0', gatway: '192.0.2.1' } as never)), '`gatway`: did you mean `gateway`?')
  const bridg = refusal(() => tasks.persistBridge({ bridg: 'br0' } as never))
  assert.match(bridg, 'persistBridge: unknown option `bridg`: did you mean `bridge`?')
  assert.not.match(bridg, 'undefined')
  assert.match(refusal(() => tasks.sysctl({ key: 'net.ipv4.ip_forward', value: true } as never)), 'sysctl: `value` must be a string or a number, not true')
})

test('nested options are checked too: a DHCP host, a probe, a target', () => {
  const net = valid.defineNetwork.options
  assert.match(refusal(() => tasks.defineNetwork({ ...net, dhcp: { start: '192.168.122.2', end: '192.168.122.254', hosts: [{ mac: '52:54:00:00:00:01', ipp: '192.168.122.5' }] } } as never)), 'unknown option `dhcp.hosts[0].ipp`: did you mean `dhcp.hosts[0].ip`?')
  assert.match(refusal(() => tasks.applyBridge({ bridge: 'br0', probes: [{ comand: 'true' }] } as never)), 'did you mean `probes[0].command`?')
  assert.match(refusal(() => tasks.editDomainInterface({ from: { network: 'default' }, to: { brigde: 'br0' } } as never)), 'unknown option `to.brigde`: did you mean `to.bridge`?')
})

test.run()
