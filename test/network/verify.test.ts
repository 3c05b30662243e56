/**
 * VERIFY, what a rollback is checked against: its digest of `ip -4 -o addr
 * show scope global` and `ip route show default` keeps the device and address
 * of each global IPv4 address, sorted, and the default route — so it is the
 * same before and after a rollback that restored the network, whatever the
 * kernel renumbered or the clock counted down meanwhile.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VERIFY } from '../../src/network/verify.ts'

const digest = (out: string) => VERIFY.digest!(out)

// As `ip -4 -o -batch -` prints them on a bridged host: index, device, family, address, then what varies.
const BEFORE = `4: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global br0\\       valid_lft forever preferred_lft forever
7: virbr0    inet 192.168.122.1/24 brd 192.168.122.255 scope global virbr0\\       valid_lft forever preferred_lft forever
default via 192.0.2.1 dev br0 proto static metric 425 
`

test('the digest is the device and address of each line, sorted, then the default route', () => {
  assert.is(digest(BEFORE), 'br0 192.0.2.2/24\nvirbr0 192.168.122.1/24\ndefault via 192.0.2.1 dev br0 proto static metric 425 ')
})

test('the order the kernel lists addresses in does not matter', () => {
  const [br0, virbr0, route] = BEFORE.split('\n')
  assert.is(digest(`${virbr0}\n${br0}\n${route}\n`), digest(BEFORE))
})

test('interface indexes, brd, flags and address lifetimes do not matter', () => {
  // A bridge created again has a new index; a DHCP lease's lifetimes count down.
  const after = `12: virbr0    inet 192.168.122.1/24 scope global virbr0\\       valid_lft forever preferred_lft forever
9: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global dynamic noprefixroute br0\\       valid_lft 86017sec preferred_lft 86017sec
default via 192.0.2.1 dev br0 proto static metric 425 
`
  assert.is(digest(after), digest(BEFORE))
})

test('an address on another device, another prefix, a lost address or another route does matter', () => {
  const changed = [
    BEFORE.replace('4: br0    inet 192.0.2.2/24 brd 192.0.2.255 scope global br0', '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0'),
    BEFORE.replace('192.0.2.2/24', '192.0.2.2/25'),
    BEFORE.split('\n').slice(1).join('\n'),
    BEFORE.replace('dev br0 proto', 'dev eth0 proto'),
    BEFORE.replace(/^default.*$/m, ''),
  ]
  for (const out of changed) assert.is.not(digest(out), digest(BEFORE), out)
})

test('blank lines and no addresses at all', () => {
  assert.is(digest('\n\ndefault via 192.0.2.1 dev eth0 \n\n'), 'default via 192.0.2.1 dev eth0 ')
  assert.is(digest(''), '')
})

test('one ip process reads both: the addresses and the route, in a batch', () => {
  assert.match(VERIFY.command, /^ip -4 -o -batch - <</)
  assert.match(VERIFY.command, '\naddr show scope global\nroute show default\n')
})

test.run()
