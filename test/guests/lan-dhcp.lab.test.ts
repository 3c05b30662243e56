/**
 * Guest connectivity end to end (issue 31): a host whose running guests took
 * their NAT addresses from libvirt (vm1 by a lease, vm3 by a static entry)
 * migrates to br0 with reservations written, in dnsmasq's hosts format, into
 * the directory the lab's LAN DHCP server (dnsmasq on the machine's side of
 * each uplink, --dhcp-hostsdir) rereads by itself. editDomainInterface
 * bounces each moved guest's link; each guest's DHCP client (the stand-in's
 * udhcpc, following the link libvirt gives the NIC) asks again and gets its
 * reservation from the LAN's server. Checked where it happens: the address
 * in the guest's own namespace, the LAN server's lease, a ping from the LAN
 * side to the guest through br0 — and the migration report, which names each
 * guest's LAN address instead of "unknown yet". A second run changes nothing
 * and reports the same addresses.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { $ } from 'zx'
import { labDown } from '../../src/lab/lab.ts'
import { dhcpPaths } from '../../src/lab/dhcp.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { TEST_LAB, labSkipReason, labTest, onHost, testLab, useLab } from '../helpers/lab.ts'
import { kvmplay } from '../helpers/cli.ts'

const MIGRATE = fileURLToPath(new URL('../../playbooks/migrate-nat-to-bridge.play.ts', import.meta.url))
const s = suite('guests on the bridge take their LAN reservations')
const it = labTest(s)
let host: HostPlan
let inventory = ''
let reservations = ''
/** The guests' MACs, as the lab gives them (their third byte follows the lab's net). */
const mac = (n: number) => host.domains[0].mac.replace(/01$/, `0${n}`)
const GUESTS = { get vm1() { return mac(1) }, get vm3() { return mac(3) } }
/** The LAN addresses the run reserves: the lowest of the range, in order of guest (vm1, vm2 shut off, vm3). */
const lan = (n: number) => `${host.gateway.replace(/\.1$/, '')}.${50 + n}`
const EXPECTED = () => ({ vm1: lan(0), vm3: lan(2) })

const migrate = () =>
  kvmplay(['run', MIGRATE, '-i', inventory, '--reservations-range', `${lan(0)}-${lan(9)}`, '--reservations-format', 'dnsmasq-hosts', '--reservations-out', reservations])

it('the migration moves the guests, and each takes its reservation from the LAN\'s DHCP server', async () => {
  await labDown(TEST_LAB)
  const lab = await useLab(1, 'ifupdown-installer', false, { guests: 'lease,static' })
  host = lab.hosts[0]
  inventory = lab.inventory
  reservations = join(dhcpPaths(testLab().dir).lanReservations, 'guests')
  const res = migrate()
  assert.is(res.code, 0, res.out + res.err)
  assert.match(readFileSync(reservations, "utf8"), `${GUESTS.vm1},${lan(0)},vm1`, readFileSync(reservations, "utf8"))
  for (const [guest, ip] of Object.entries(EXPECTED())) {
    // In the guest itself: its address, and its way out through the LAN's router.
    const inside = await onHost(host, `ip -n kvg-${guest} -4 -br addr show dev eth0; ip -n kvg-${guest} -4 route show default`)
    assert.match(inside, `${ip}/24`, `${guest}: ${inside}`)
    assert.match(inside, `default via ${host.gateway}`, `${guest}: ${inside}`)
    // The LAN server's lease, and the guest answering from the LAN's side, through br0.
    assert.match(readFileSync(dhcpPaths(testLab().dir).leases, 'utf8'), `${GUESTS[guest as keyof typeof GUESTS]} ${ip} `, guest)
    await $`ping -c 1 -W 2 ${ip}`
  }
  // The report names each guest's LAN address.
  for (const [guest, ip] of Object.entries(EXPECTED())) assert.match(res.out, new RegExp(`${guest}\\s+${GUESTS[guest as keyof typeof GUESTS]}\\s.*→ br0: ${ip.replace(/\./g, '\\.')} \\(neighbour table\\)`), res.out)
  // Nothing of libvirt's link state left behind: the NICs are up, the persistent XML has no <link>.
  for (const guest of Object.keys(GUESTS)) {
    assert.match(await onHost(host, `virsh domif-getlink ${guest} ${GUESTS[guest as keyof typeof GUESTS]}`), /\sup\s*$/, guest)
    assert.not.match(await onHost(host, `virsh dumpxml --inactive ${guest}`), '<link state=', guest)
  }
})

it('a second run changes nothing and reports the same addresses', async () => {
  const res = migrate()
  assert.is(res.code, 0, res.out + res.err)
  assert.match(res.out, /^h1\s+ok=\d+\s+changed=0\s/m, res.out)
  for (const [guest, ip] of Object.entries(EXPECTED())) assert.match(res.out, `→ br0: ${ip} (neighbour table)`, guest)
})

s.after(async () => {
  if (!labSkipReason) await labDown(TEST_LAB)
})

s.run()
