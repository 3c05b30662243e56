/**
 * The ifupdown2 backend on lab hosts of the ifupdown2 profile (Debian with
 * ifupdown2, as Proxmox VE runs it: its networking.service brings up
 * /etc/network/interfaces at boot): the fleet migration, a second run, a
 * power cycle and a rollback (bridge-lab.ts), read back with ifupdown2's own
 * tools — ifquery of the file, ifquery --check of the running host against it.
 */
import * as assert from 'uvu/assert'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { onHost } from '../helpers/lab.ts'
import { bridgeLabSuite } from './bridge-lab.ts'

const esc = (s: string) => s.replace(/\./g, '\\.')

/** ifupdown2's reading of the file: br0 over eth0 with the host's address, gateway and MAC; eth0 manual. */
async function persisted(h: HostPlan) {
  const stanzas = JSON.parse(await onHost(h, 'ifquery -a -o json')) as { name: string; addr_family: string; addr_method: string; config: Record<string, string | string[]> }[]
  const br0 = stanzas.find((s) => s.name === 'br0' && s.addr_family === 'inet')
  assert.ok(br0, `ifquery -a knows br0:\n${JSON.stringify(stanzas)}`)
  assert.equal(
    [br0!.addr_method, br0!.config.address, br0!.config.gateway, br0!.config['bridge-ports'], br0!.config['bridge-stp'], br0!.config['bridge-fd'], br0!.config.hwaddress],
    ['static', `${h.address}/${h.prefix}`, h.gateway, 'eth0', 'off', '0', h.mac],
  )
  assert.equal(stanzas.filter((s) => s.name === 'eth0').map((s) => s.addr_method), ['manual'])
  const file = await onHost(h, 'cat /etc/network/interfaces')
  assert.match(file, new RegExp(`^auto br0\\niface br0 inet static\\n\\taddress ${esc(h.address)}/${h.prefix}\\n\\tgateway ${esc(h.gateway)}\\n\\tbridge-ports eth0\\n`, 'm'))
  assert.match(file, /^source \/etc\/network\/interfaces\.d\/\*$/m, 'the rest kept')
  assert.is((await onHost(h, "find /etc/network -name '*~' | wc -l")).trim(), '0', 'no backup where ifupdown2 reads')
}

/** The guests' taps on br0 (vnetN, libvirt's), and what each is a port of. */
const taps = async (h: HostPlan) => (await onHost(h, 'for t in /sys/class/net/vnet*; do [ -e "$t" ] && echo "${t##*/} $(basename "$(readlink "$t/master")")"; done; true')).trim()

/**
 * The running host as the file says, by ifupdown2's own check: every attribute of every
 * interface [pass]; and an `ifreload -a` of the admin's changes nothing — the guests' taps
 * stay on br0 (bridge-ports-condone-regex), ifquery --check still passes.
 */
async function bridged(h: HostPlan) {
  const before = await taps(h)
  assert.match(before, /^vnet\d+ br0$/m, `a guest's tap on br0:\n${before}`)
  await onHost(h, 'ifreload -a')
  assert.is(await taps(h), before, 'ifreload -a leaves the guests on br0')
  const check = await onHost(h, 'ifquery --check -a')
  assert.match(check, new RegExp(`^iface br0 inet static\\s+\\[pass\\]$[\\s\\S]*^\\s*address ${esc(h.address)}/${h.prefix}\\s+\\[pass\\]$`, 'm'), check)
  assert.match(check, /^\s*bridge-ports eth0( \(vnet\d+\))?\s+\[pass\]$/m, check)
  assert.match(check, new RegExp(`^\\s*hwaddress ${h.mac}\\s+\\[pass\\]$`, 'm'), check)
  assert.not.match(check, /\[fail\]/, check)
}

bridgeLabSuite({
  profile: 'ifupdown2',
  assertPersisted: persisted,
  assertSystemBridged: bridged,
  filesDigest: "cd /etc/network && find . -type f -printf '%p %m\\n' | sort && find . -type f -exec md5sum {} + | sort",
}).run()
