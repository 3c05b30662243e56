/**
 * A static route on the uplink (to a management network, say), persisted the
 * way each host's own system keeps it: the bridge must carry it, at once and
 * after a power cycle, and a rollback must put it back on the uplink; the way
 * back must give it to the uplink again, also after a power cycle. Hosts of
 * profile none (iproute2: the route added by hand), networkmanager (in the
 * uplink's profile, ipv4.routes), ifupdown (an `up ip route add` line) and
 * network-scripts (route-eth0, read by CentOS's ifup-routes); checked with
 * `ip route` on the hosts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, labTest, onHost, useLab } from '../helpers/lab.ts'
import { FIXTURES, kvmplay, recapOf } from '../helpers/cli.ts'

const rt = suite('static routes through the bridge')
const it = labTest(rt)
const CUTOVER = join(FIXTURES, 'cutover.play.ts')
const PROFILES = ['none', 'networkmanager', 'ifupdown', 'network-scripts']
const UNBRIDGE = join(FIXTURES, 'unbridge.play.ts')
/** A destination no lab host has: nothing is ever sent there, the route only has to be in the table. */
const ROUTE = `${TEST_LAB.net}.250.0/24`
const labArgs = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
let hosts: HostPlan[] = []
let inventory = ''

/** The route's device and gateway on the host, or '' where it has none. */
const routeOn = async (h: HostPlan) => (await onHost(h, `ip route show ${ROUTE} | awk '{print $3, $5}'`)).trim()
/** Wait until the route is on `dev` (the systems bring it up in the background), then check it is. */
async function waitRoute(h: HostPlan, dev: string) {
  for (let t = 0; t < 50 && (await routeOn(h)) !== `${h.gateway} ${dev}`; t++) await new Promise((r) => setTimeout(r, 100))
  assert.is(await routeOn(h), `${h.gateway} ${dev}`, h.name)
}
/** A second run of the playbook changes nothing on any host. */
function assertNoChange(playbook: string) {
  const again = recapOf(kvmplay(['run', playbook, '-i', inventory, '--json', '-e', 'confirm_timeout=30']).out)
  assert.equal(hosts.map((h) => again.hosts[h.name].changed), hosts.map(() => 0))
}
/** A power cycle of every host whose system reads its files at boot (all but h1, profile none), then the route on `dev` from them. */
async function powerCycleThenRouteOn(dev: string) {
  const persisted = hosts.slice(1)
  const power = kvmplay(['lab', 'reboot', ...persisted.map((h) => h.name), ...labArgs])
  assert.is(power.code, 0, power.out + power.err)
  for (const h of persisted) await waitRoute(h, dev)
}
const events = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))

/** The route, added as each system keeps it, and live. */
const addRoute = (h: HostPlan, profile: string) =>
  onHost(
    h,
    profile === 'networkmanager'
      ? `nmcli connection modify eth0 +ipv4.routes '${ROUTE} ${h.gateway}' && nmcli connection up eth0 >/dev/null`
      : profile === 'ifupdown'
        ? `sed -i 's|^\\tgateway ${h.gateway}$|&\\n\\tup ip route add ${ROUTE} via ${h.gateway} dev eth0|' /etc/network/interfaces && ip route add ${ROUTE} via ${h.gateway} dev eth0`
        : profile === 'network-scripts'
          ? `echo '${ROUTE} via ${h.gateway} dev eth0' > /etc/sysconfig/network-scripts/route-eth0 && ip route add ${ROUTE} via ${h.gateway} dev eth0`
          : `ip route add ${ROUTE} via ${h.gateway} dev eth0`,
  )

if (!labSkipReason) {
  rt.before(async () => {
    await labDown(TEST_LAB)
    const lab = await useLab(PROFILES.length, PROFILES.join(','))
    hosts = lab.hosts
    inventory = lab.inventory
    for (const [i, h] of hosts.entries()) await addRoute(h, PROFILES[i])
    for (const h of hosts) await waitRoute(h, 'eth0')
  })
  rt.after(async () => {
    await labDown(TEST_LAB)
  })
}

it('a change that cuts the host off is rolled back with the route back on eth0, and the verification finds nothing missing', async () => {
  const h1 = hosts[0]
  const wrong = h1.address.replace(/\.\d+$/, '.99')
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '-l', 'h1', '--json', '-e', `confirm_timeout=6 h1_br_address=${wrong} h1_br_prefix=${h1.prefix}`])
  assert.is(res.code, 2, res.out + res.err)
  const rolled = events(res.out).find((e) => e.status === 'rolled_back')
  assert.match(rolled?.reason, /, verified$/, rolled?.reason)
  assert.is(await routeOn(h1), `${h1.gateway} eth0`)
})

it('the bridge carries the route on every host; a second run changes nothing', async () => {
  const res = kvmplay(['run', CUTOVER, '-i', inventory, '--json', '-e', 'confirm_timeout=30'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of hosts) assert.is(await routeOn(h), `${h.gateway} br0`, h.name)
  assertNoChange(CUTOVER)
})

it('after a power cycle NetworkManager, ifupdown and the network scripts bring the route back on br0, from the bridge configuration kvmplay persisted', async () => {
  await powerCycleThenRouteOn('br0')
  assertNoChange(CUTOVER)
})

it('the way back gives the route to eth0 again on every host; a second run changes nothing', async () => {
  const res = kvmplay(['run', UNBRIDGE, '-i', inventory, '--json', '-e', 'confirm_timeout=30'])
  assert.is(res.code, 0, res.out + res.err)
  for (const h of hosts) {
    assert.is((await onHost(h, 'ls -d /sys/class/net/br0 2>/dev/null | wc -l')).trim(), '0', `${h.name}: br0 gone`)
    await waitRoute(h, 'eth0')
  }
  assertNoChange(UNBRIDGE)
})

it("after a power cycle each system brings the route back on eth0, from the uplink's configuration the way back persisted", async () => {
  await powerCycleThenRouteOn('eth0')
  assertNoChange(UNBRIDGE)
})

rt.run()
