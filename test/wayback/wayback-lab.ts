/**
 * The way back on lab hosts of one profile, by the real CLI and read back on
 * the host: a static <host> entry put into `default` and the migration
 * report built from what `virsh net-dumpxml --inactive default` showed
 * before the migration; then the migration, the way back (its --check first,
 * which changes nothing), the migration again — each converging, each second
 * run changing nothing, the guests keeping MAC, model and PCI slot
 * throughout (virsh dumpxml on the host), `default` coming back with the
 * recorded entry, uuid and autostart. Profiles whose system reads its files
 * at boot are power-cycled after the way back: the host comes up unbridged
 * from its own files.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { labDown } from '../../src/lab/lab.ts'
import type { HostPlan } from '../../src/lab/addressing.ts'
import { missingPackages } from '../../src/lab/preflight.ts'
import type { LabProfile } from '../../src/lab/profiles.ts'
import { domainInterfaces } from '../../src/libvirt/domain.ts'
import { parseNetworkXml } from '../../src/libvirt/network.ts'
import type { MigrationReport } from '../../src/guests/types.ts'
import { TEST_LAB, labSkipReason, onHost, useLab } from '../helpers/lab.ts'
import { kvmplay, recapOf } from '../helpers/cli.ts'
import { skipIf } from '../helpers/skip.ts'
import { assertBridged, assertGuestsOnBridge, assertUnbridged } from '../network/bridge-lab.ts'

const PLAYBOOKS = fileURLToPath(new URL('../../playbooks/', import.meta.url))
const MIGRATE = join(PLAYBOOKS, 'migrate-nat-to-bridge.play.ts')
const WAYBACK = join(PLAYBOOKS, 'migrate-bridge-to-nat.play.ts')
const LAB_ARGS = ['--name', TEST_LAB.name, '--net', TEST_LAB.net, '--dir', TEST_LAB.dir]
const GUESTS = ['vm1', 'vm2']

export interface WayBackSpec {
  profile: LabProfile
  /** After the way back: what the host's network system reads at boot has the uplink alone (checked by that system's reader where it has one). */
  assertUnbridgedSystem: (h: HostPlan) => Promise<void>
  /** Whether the profile's system brings the network up from its files at boot (none does not: the lab configures eth0 from outside). */
  reboots: boolean
  /** Also the way back that keeps the bridge (remove_bridge=false), at the end. */
  keepBridge?: boolean
  /** A command whose output is the same before the migration and after the way back (the files come back as they were), if any. */
  sameAsBefore?: string
  /** The host's uplink takes its address by DHCP (`lab up --dhcp`). */
  dhcp?: boolean
}

/** Each guest's NICs as libvirt has them persistently (and, running, live): MAC, model, PCI slot, and where. */
async function nics(h: HostPlan) {
  const out: Record<string, unknown> = {}
  for (const d of GUESTS) {
    out[d] = domainInterfaces(await onHost(h, `virsh dumpxml --inactive ${d}`)).map(({ mac, model, pci, type, source }) => ({ mac, model, pci, at: `${type} ${source}` }))
    const state = (await onHost(h, `virsh domstate ${d}`)).trim()
    if (state === 'running') out[`${d} live`] = domainInterfaces(await onHost(h, `virsh dumpxml ${d}`)).map(({ mac, model, pci, type, source }) => ({ mac, model, pci, at: `${type} ${source}` }))
  }
  return out
}
/** The identity that must survive every move: at is left out. */
const identity = (n: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(n).map(([k, v]) => [k, (v as { at: string }[]).map(({ at: _, ...rest }) => rest)])))
const where = (n: Record<string, unknown>) => [...new Set(Object.values(n).flatMap((v) => (v as { at: string }[]).map((i) => i.at)))]

/** Everything the way back would change, as one string: links, addresses, routes, libvirt's networks and guests' NICs, the network files. */
const fingerprint = (h: HostPlan) =>
  onHost(
    h,
    "ip -br addr | awk '{ $2 = \"\"; print }'; ip route | sed 's/ linkdown//'; virsh net-list --all; " +
      'for n in $(virsh -q net-list --all --name); do virsh net-dumpxml --inactive $n; done; ' +
      'for d in vm1 vm2; do virsh dumpxml --inactive $d | grep -A6 "<interface"; done; virsh domiflist vm1; ' +
      'ls -l /etc/sysconfig/network-scripts /etc/NetworkManager/system-connections /etc/network 2>/dev/null | md5sum; ' +
      'cat /etc/sysconfig/network-scripts/ifcfg-* /etc/NetworkManager/system-connections/* /etc/network/interfaces 2>/dev/null | md5sum',
  )

/** The network files a host boots from, without the file task's backups (name~), which no reader reads. */
const NETWORK_FILES =
  'for f in /etc/sysconfig/network-scripts/ifcfg-* /etc/NetworkManager/system-connections/* /etc/network/interfaces /etc/netplan/*.yaml /etc/systemd/network/*; do ' +
  'case "$f" in *~) ;; *) [ ! -e "$f" ] || { echo "$f"; cat "$f"; } ;; esac; done'

export function wayBackSuite(spec: WayBackSpec) {
  const s = suite(`the way back on ${spec.profile} hosts${spec.dhcp ? ' (DHCP uplink)' : ''}`)
  const missing = labSkipReason ? [] : missingPackages(undefined, [spec.profile])
  const skip = labSkipReason ?? (missing.length ? `needs the packages ${missing.join(', ')} (scripts/bootstrap.sh)` : undefined)
  const it = skipIf(s, skip)
  let h: HostPlan
  let inventory = ''
  let reportFile = ''
  let defaultBefore = ''
  let nicsBefore: Record<string, unknown> = {}
  let filesBefore = ''
  const STATIC = { mac: '52:54:00:12:01:02', name: 'vm2', ip: '192.168.122.50' }

  const run = (playbook: string, ...args: string[]) => {
    const res = kvmplay(['run', playbook, '-i', inventory, '--json', ...args])
    assert.is(res.code, 0, res.out + res.err)
    return recapOf(res.out).hosts[h.name]
  }
  const figures: string[] = []
  const converges = (playbook: string, ...args: string[]) => {
    const started = Date.now()
    const first = run(playbook, ...args)
    const took = ((Date.now() - started) / 1000).toFixed(1)
    assert.is(first.failed, 0)
    assert.ok(first.changed > 0, `${playbook} changed something`)
    const again = Date.now()
    const second = run(playbook, ...args)
    figures.push(`${spec.profile}: ${playbook.replace(/.*\//, '')} ${args.join(' ').replace(/report=\S+/, 'report=…')}: ${took} s (changed ${first.changed}), again ${((Date.now() - again) / 1000).toFixed(1)} s`)
    assert.is(second.changed, 0, `the second run of ${playbook} changes nothing: ${JSON.stringify(second)}`)
  }
  const assertGuestsKept = async (at: string) => {
    const now = await nics(h)
    assert.is(identity(now), identity(nicsBefore), 'MAC, model and PCI slot kept')
    assert.equal(where(now), [at])
    // The running guest's tap is where libvirt says: a port of virbr0 on default, of br0 on the bridge.
    const bridgeOf = at === 'bridge br0' ? 'br0' : 'virbr0'
    const taps = (await onHost(h, 'virsh -q domiflist vm1')).trim().split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((d) => d !== '-')
    assert.ok(taps.length > 0, 'vm1 runs, with a tap')
    for (const t of taps) assert.is((await onHost(h, `basename "$(readlink /sys/class/net/${t}/master)"`)).trim(), bridgeOf, `${t} is a port of ${bridgeOf}`)
  }
  const assertDefaultBack = async (bridgeNetworkGone = true) => {
    const info = await onHost(h, 'virsh net-info default')
    assert.match(info, /^Active:\s+yes$/m)
    assert.match(info, /^Autostart:\s+yes$/m)
    const now = parseNetworkXml(await onHost(h, 'virsh net-dumpxml --inactive default'))
    const before = parseNetworkXml(defaultBefore)
    assert.equal(now.spec, before.spec, 'default as it was, its static entry included')
    assert.is(now.identity.uuid, before.identity.uuid, 'the same network (uuid)')
    assert.ok(now.spec.dhcpHosts.some((x) => x.mac === STATIC.mac && x.ip === STATIC.ip && x.name === STATIC.name))
    // libvirt's dnsmasq was given the entry too: its hosts file is what it hands out.
    assert.match(await onHost(h, 'cat /var/lib/libvirt/dnsmasq/default.hostsfile'), `${STATIC.mac},${STATIC.ip},${STATIC.name}`)
    if (bridgeNetworkGone) assert.not.match(await onHost(h, 'virsh -q net-list --all'), /^\s*br0\s/m, "libvirt's br0 network gone")
    else assert.match(await onHost(h, 'virsh -q net-list --all'), /^\s*br0\s+active\s+yes/m, "libvirt's br0 network kept")
  }

  if (!skip) s.after(async () => {
    await labDown(TEST_LAB)
    if (figures.length) console.log(`\n${figures.join('\n')}`)
  })

  it('a static <host> entry in default, and the report recorded from the host', async () => {
    await labDown(TEST_LAB)
    const lab = await useLab(1, spec.profile, spec.dhcp)
    h = lab.hosts[0]
    inventory = lab.inventory
    await onHost(h, `virsh net-update default add ip-dhcp-host "<host mac='${STATIC.mac}' name='${STATIC.name}' ip='${STATIC.ip}'/>" --live --config`)
    defaultBefore = await onHost(h, 'virsh net-dumpxml --inactive default')
    nicsBefore = await nics(h)
    if (spec.sameAsBefore) filesBefore = await onHost(h, spec.sameAsBefore)
    assert.equal(where(nicsBefore), ['network default'])
    const report: MigrationReport = {
      kind: 'kvmplay-migration-report',
      version: 1,
      generated: new Date().toISOString(),
      guests: Object.entries(nicsBefore)
        .filter(([k]) => !k.endsWith(' live'))
        .flatMap(([guest, list]) =>
          (list as { mac: string; model?: string; pci?: string }[]).map((n) => ({
            host: h.name, guest, mac: n.mac, network: 'default', state: guest === 'vm1' ? 'running' : 'shut off',
            assignedBy: n.mac === STATIC.mac ? ('static' as const) : ('none' as const), address: n.mac === STATIC.mac ? STATIC.ip : undefined, model: n.model, pci: n.pci, toBridge: 'br0',
          })),
        ),
      networks: [{ host: h.name, name: 'default', xml: defaultBefore, autostart: /^Autostart:\s+yes$/m.test(await onHost(h, 'virsh net-info default')), staticHosts: [STATIC] }],
    }
    reportFile = join(mkdtempSync(join(tmpdir(), 'kvmplay-wayback-')), 'migration.json')
    writeFileSync(reportFile, JSON.stringify(report, null, 2))
  })

  it('the migration converges; a second run changes nothing; the guests keep MAC, model and PCI slot', async () => {
    converges(MIGRATE)
    await assertBridged(h)
    await assertGuestsOnBridge(h)
    await assertGuestsKept('bridge br0')
  })

  it('a report that cannot be read is a clear error, and nothing changes', async () => {
    const before = await fingerprint(h)
    const res = kvmplay(['run', WAYBACK, '-i', inventory, '-e', 'report=/nonexistent/migration.json'])
    assert.is.not(res.code, 0, res.out + res.err)
    assert.match(res.out + res.err, /migration report \/nonexistent\/migration\.json: cannot be read \(ENOENT\)/)
    assert.is(await fingerprint(h), before)
  })

  it('--check --diff of the way back shows the plan and changes nothing on the host', async () => {
    const before = await fingerprint(h)
    const res = kvmplay(['run', WAYBACK, '-i', inventory, '-e', `report=${reportFile}`, '--check', '--diff'])
    assert.is(res.code, 0, res.out + res.err)
    assert.match(res.out, `<host mac='${STATIC.mac}' name='${STATIC.name}' ip='${STATIC.ip}'/>`)
    assert.match(res.out, '-  <source bridge="br0"/>\n+  <source network="default"/>')
    assert.is(await fingerprint(h), before)
  })

  it('a bridge removal whose probe fails rolls back: br0 carries the address again, its files as they were', async () => {
    const before = await onHost(h, NETWORK_FILES)
    const started = Date.now()
    const res = kvmplay(['run', WAYBACK, '-i', inventory, '--json', '-e', JSON.stringify({ report: reportFile, confirm_timeout: 8, probes: [{ command: 'false', name: 'a probe that fails', precondition: false }] })])
    assert.is(res.code, 2, res.out + res.err)
    assert.is(recapOf(res.out).hosts[h.name].rolled_back, 1, res.out)
    const rolled = res.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.status === 'rolled_back')
    assert.match(rolled.reason, /a probe that fails[\s\S]*restored its previous state by itself \(restore exit 0\), verified/, rolled.reason)
    assert.ok(Date.now() - started < 60_000, 'the verdict within seconds, not at the timeout')
    await assertBridged(h)
    assert.is(await onHost(h, NETWORK_FILES), before, 'the bridge\'s files as they were')
  })

  it('the way back converges: default as recorded, the guests on it as they were, br0 and its files gone; a second run changes nothing', async () => {
    converges(WAYBACK, '-e', `report=${reportFile}`)
    await assertUnbridged(h)
    await assertDefaultBack()
    await assertGuestsKept('network default')
    await spec.assertUnbridgedSystem(h)
    if (spec.sameAsBefore) assert.is(await onHost(h, spec.sameAsBefore), filesBefore, 'the files as they were before the migration')
  })

  if (spec.reboots) {
    it(`after a power cycle, ${spec.profile} brings the host up without br0, from its own files alone`, async () => {
      const r = kvmplay(['lab', 'reboot', h.name, ...LAB_ARGS])
      assert.is(r.code, 0, r.out + r.err)
      await assertUnbridged(h)
      await spec.assertUnbridgedSystem(h)
      await assertDefaultBack()
      await assertGuestsKept('network default')
      assert.is(run(WAYBACK, '-e', `report=${reportFile}`).changed, 0, 'nothing to do after the reboot')
    })
  }

  it('the migration again converges, and a second run changes nothing; the guests still keep MAC, model and PCI slot', async () => {
    converges(MIGRATE)
    await assertBridged(h)
    await assertGuestsOnBridge(h)
    await assertGuestsKept('bridge br0')
  })

  if (spec.keepBridge) {
    it('remove_bridge=false: the guests and default go back, br0 and its files stay; a wrong value is refused first', async () => {
      const before = await fingerprint(h)
      const bad = kvmplay(['run', WAYBACK, '-i', inventory, '-e', 'remove_bridge=maybe'])
      assert.is.not(bad.code, 0)
      assert.match(bad.out + bad.err, /invalid remove_bridge "maybe": expected true or false/)
      assert.is(await fingerprint(h), before, 'nothing changed')
      const files = await onHost(h, NETWORK_FILES)
      converges(WAYBACK, '-e', `report=${reportFile}`, '-e', 'remove_bridge=false')
      await assertBridged(h)
      await assertDefaultBack(false)
      await assertGuestsKept('network default')
      assert.is(await onHost(h, NETWORK_FILES), files, "the bridge's files untouched")
    })
  }

  return s
}
