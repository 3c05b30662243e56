import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { parseHostNetwork } from '../../src/facts/network.ts'
import { snapshotOf, restoreScript, describeSnapshot } from '../../src/cutover/restore.ts'
import { armScript, probeScript, confirmScript } from '../../src/cutover/confirmed-apply.ts'
import { VERIFY } from '../../tasks/ifcfg.ts'

const fresh = parseHostNetwork(readFileSync(new URL('../fixtures/canned/network-fresh.txt', import.meta.url), 'utf8'))
const snap = snapshotOf(fresh, ['br0', 'eth0'])

test('the snapshot holds what the bridge cutover touches: no br0 yet, eth0 with its address, the default route', () => {
  assert.equal(snap.links, [
    { name: 'br0', existed: false, up: false, addresses: [] },
    { name: 'eth0', existed: true, master: undefined, up: true, addresses: [{ address: '198.19.3.2', prefix: 24 }] },
  ])
  assert.equal(snap.defaultRoute, { dst: 'default', gateway: '198.19.3.1', dev: 'eth0' })
  assert.is(describeSnapshot(snap, []), 'no br0; eth0 198.19.3.2/24; default via 198.19.3.1 dev eth0')
})

test('the restore script deletes what the change created, then puts links, addresses, route and files back', () => {
  const script = restoreScript(snap, [
    { path: '/etc/sysconfig/network-scripts/ifcfg-br0' },
    { path: '/etc/sysconfig/network-scripts/ifcfg-eth0', content: "IPADDR=198.19.3.2\n# it's\n", mode: '0644', owner: 'root', group: 'root' },
  ])
  const lines = script.split('\n')
  assert.ok(lines.indexOf('ip link del br0 2>/dev/null') < lines.indexOf('ip link set eth0 nomaster 2>/dev/null'))
  assert.ok(lines.includes('ip addr add 198.19.3.2/24 dev eth0'))
  assert.ok(lines.includes('ip route replace default via 198.19.3.1 dev eth0'))
  assert.ok(lines.includes('rm -f -- /etc/sysconfig/network-scripts/ifcfg-br0'))
  assert.match(script, `printf '%s' ${Buffer.from("IPADDR=198.19.3.2\n# it's\n").toString('base64')} | base64 -d > /etc/sysconfig/network-scripts/ifcfg-eth0`)
  assert.ok(lines.includes('set +e'), 'a step already undone must not stop the rest')
})

const cutover = { apply: 'ip link add br0 type bridge', restore: 'ip link del br0', timeoutSec: 30, probes: ["ping -c 1 '198.19.3.1'"], verify: { command: 'ip -br addr' } }

test('arming: a timer that needs no controller (systemd-run, else a detached sleep), the change detached too', () => {
  const s = armScript('abc', cutover)
  assert.match(s, 'systemd-run --quiet --unit=kvmplay-rollback-abc --on-active=30s')
  assert.match(s, "setsid /bin/sh -c 'sleep 30; exec /bin/sh \"$0/fire.sh\"' \"$d\"")
  assert.match(s, `setsid /bin/sh -c 'sh "$0/apply.sh" > "$0/apply.log" 2>&1; echo $? > "$0/apply.rc"' "$d"`)
  assert.ok(s.indexOf(': > "$d/armed"') > 0 && s.indexOf(': > "$d/armed"') < s.indexOf('apply.sh" >'), 'armed before the change starts')
})

test('the rollback fires at most once; confirming disarms it or says it is too late', () => {
  assert.match(armScript('abc', cutover), 'rm "$d/armed" 2>/dev/null || exit 0')
  assert.match(confirmScript('abc'), 'rm "$d/armed" 2>/dev/null || { echo too-late; exit 0; }')
  const probe = probeScript('abc', cutover)
  assert.match(probe, `( ping -c 1 '198.19.3.1' ) >/dev/null 2>&1 || echo 'probe failed: ping -c 1 '\\''198.19.3.1'\\'''`)
  assert.not.match(probe, 'armed', 'probing never confirms: only a controller that saw the probes pass does')
})

test('the state a rollback is checked against: device and address of each global IPv4 address, sorted, and the default route', () => {
  const before = [
    '3: eth1    inet 198.19.9.2/24 brd 198.19.9.255 scope global eth1\\       valid_lft forever preferred_lft forever',
    '2: eth0    inet 198.19.3.2/24 brd 198.19.3.255 scope global eth0\\       valid_lft forever preferred_lft forever',
    'default via 198.19.3.1 dev eth0 ',
  ].join('\n')
  // The same state after a restore: other interface numbers and lifetimes, another order.
  const after = [
    '7: eth0    inet 198.19.3.2/24 scope global eth0\\       valid_lft 100sec preferred_lft 100sec',
    '3: eth1    inet 198.19.9.2/24 brd 198.19.9.255 scope global eth1\\       valid_lft forever preferred_lft forever',
    'default via 198.19.3.1 dev eth0 ',
  ].join('\n')
  assert.is(VERIFY.digest!(before), 'eth0 198.19.3.2/24\neth1 198.19.9.2/24\ndefault via 198.19.3.1 dev eth0 ')
  assert.is(VERIFY.digest!(after), VERIFY.digest!(before))
  assert.is.not(VERIFY.digest!(after.replace('198.19.3.2/24', '198.19.3.2/25')), VERIFY.digest!(before))
})

test.run()
