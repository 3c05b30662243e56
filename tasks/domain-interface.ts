/**
 * editDomainInterface: moves domains' interfaces from a network (libvirt's
 * NAT `default`) to a bridge, or to another network — keeping MAC, model,
 * PCI address and every other setting. The persistent config always; the
 * running domain too, live (`update-device --live --config`). Where libvirt
 * cannot change it live, an explicit policy decides: 'never' restart (the
 * guest moves at its next boot) or 'shutdown-edit-start' (the seed's manual
 * sequence, with a bounded wait for the guest to shut down).
 */
import { defineTask } from '../src/core/task.ts'
import type { Step, Task, TaskOptions } from '../src/core/task.ts'
import { factRequest } from '../src/facts/fact.ts'
import { libvirtFact } from '../src/facts/libvirt.ts'
import type { LibvirtDomain } from '../src/facts/libvirt.ts'
import { isAt, movedInterfaceXml } from '../src/libvirt/domain.ts'
import type { DomainInterface, InterfaceTarget } from '../src/libvirt/domain.ts'
import { libvirtTouches, virsh, virshWithXmlFile } from '../src/libvirt/virsh.ts'
import { runChecked } from '../src/core/step.ts'
import { libvirtStep } from '../src/libvirt/step.ts'
import { LibvirtCallError } from '../src/libvirt/rpc.ts'
import { VIR_DOMAIN_AFFECT_CONFIG, VIR_DOMAIN_AFFECT_LIVE } from '../src/libvirt/remote.ts'
import type { LibvirtRemote } from '../src/libvirt/remote.ts'
import { quote } from '../src/core/quote.ts'
import { interfaceName, libvirtName, mac as macAddress } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import type { Connection } from '../src/connection/types.ts'

export type RestartPolicy = 'never' | 'shutdown-edit-start'

export interface EditDomainInterfaceOptions extends TaskOptions {
  /** One domain; all domains when omitted. */
  domain?: string
  /** Select the interface by MAC… */
  mac?: string
  /** …or by where it is now (e.g. { network: 'default' }). */
  from?: InterfaceTarget
  to: InterfaceTarget
  /** When libvirt cannot change a running domain live. Default 'never'. */
  restart?: RestartPolicy
  /** Seconds to wait for a guest to shut down (shutdown-edit-start). Default 120. */
  shutdownTimeout?: number
}

const target = (t: InterfaceTarget, field: string): InterfaceTarget =>
  'bridge' in t ? { bridge: interfaceName(t.bridge, `${field} bridge`) } : { network: libvirtName(t.network, `${field} network`) }
const label = (t: InterfaceTarget) => ('bridge' in t ? `bridge ${t.bridge}` : `network ${t.network}`)
const where = (i: DomainInterface) => `${i.type} ${i.source ?? '?'}`
const here = (i: DomainInterface): InterfaceTarget => (i.type === 'bridge' ? { bridge: i.source ?? '' } : { network: i.source ?? '' })

async function waitShutOff(conn: Connection, domain: string, seconds: number): Promise<boolean> {
  const res = await conn.exec(
    `i=0; while [ "$(${virsh('domstate', domain)})" != "shut off" ]; do i=$((i+1)); [ $i -le ${seconds * 2} ] || exit 1; sleep 0.5; done`,
  )
  return res.code === 0
}

const cantLive = (d: LibvirtDomain, to: InterfaceTarget) => `${d.name}: persistent config moved to ${label(to)}, but the running guest could not be changed live`
const NEXT_BOOT_HINT = "it moves at its next boot, or use restart: 'shutdown-edit-start'"

/**
 * Live and persistent under restart: 'never', by virsh: one shell script, so
 * it batches with the task's other moves. When libvirt refuses the live
 * change, the persistent config still moves (the guest takes it at its next
 * boot) and the step fails, saying so.
 */
function liveOrNextBootScript(d: LibvirtDomain, to: InterfaceTarget): string {
  return [
    't=$(mktemp) || exit 1',
    'cat > "$t"',
    `if why=$(${virsh('update-device', d.name)} "$t" --live --config 2>&1 >/dev/null); then rm -f "$t"; exit 0; fi`,
    `${virsh('update-device', d.name)} "$t" --config; rc=$?; rm -f "$t"`,
    '[ $rc -eq 0 ] || exit $rc',
    `printf '%s (%s); %s\\n' ${quote(cantLive(d, to))} "$why" ${quote(NEXT_BOOT_HINT)} >&2`,
    'exit 3',
  ].join('\n')
}

/** The same through libvirt's API. */
async function liveOrNextBoot(api: LibvirtRemote, d: LibvirtDomain, to: InterfaceTarget, xml: string): Promise<void> {
  const ref = await api.lookupDomain(d.name)
  try {
    return await api.updateDevice(ref, xml, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)
  } catch (err) {
    if (!(err instanceof LibvirtCallError)) throw err
    await api.updateDevice(ref, xml, VIR_DOMAIN_AFFECT_CONFIG)
    throw new LibvirtCallError(`${cantLive(d, to)} (${err.message}); ${NEXT_BOOT_HINT}`, err.code)
  }
}

function moveStep(d: LibvirtDomain, i: DomainInterface, to: InterfaceTarget, live: boolean, policy: RestartPolicy, timeout: number): Step {
  const xml = movedInterfaceXml(d.xml, i.mac, to)
  const summary = `move ${d.name} ${i.mac} (${i.model ?? 'nic'}${i.pci ? ` @ ${i.pci}` : ''}): ${where(i)} → ${label(to)}${live ? ', live and persistent' : ', persistent'}`
  const diff = { label: `${d.name} interface ${i.mac} (XML)`, before: movedInterfaceXml(d.xml, i.mac, here(i)) + '\n', after: xml + '\n' }
  if (!live) {
    return libvirtStep(summary, {
      shell: { command: virshWithXmlFile('update-device', [d.name], ['--config']), stdin: xml },
      api: async (api) => api.updateDevice(await api.lookupDomain(d.name), xml, VIR_DOMAIN_AFFECT_CONFIG),
      diff,
      touches: { domain: d.name },
    })
  }
  if (policy === 'never') {
    return libvirtStep(summary, { shell: { command: liveOrNextBootScript(d, to), stdin: xml }, api: (api) => liveOrNextBoot(api, d, to, xml), diff, touches: { domain: d.name } })
  }
  return {
    summary,
    touches: libvirtTouches({ domain: d.name }),
    diff,
    run: async (conn) => {
      const res = await conn.exec(virshWithXmlFile('update-device', [d.name], ['--live', '--config']), { stdin: xml })
      if (res.code === 0) return
      const why = res.stderr.trim()
      await runChecked(conn, virsh('shutdown', d.name), `shut down ${d.name}`)
      if (!(await waitShutOff(conn, d.name, timeout))) {
        throw new KvmplayError('timeout', `${conn.host}: ${d.name} did not shut down within ${timeout} s (live change failed: ${why}); nothing was changed — shut it down yourself or raise shutdownTimeout`)
      }
      await runChecked(conn, virshWithXmlFile('update-device', [d.name], ['--config']), summary, xml)
      await runChecked(conn, virsh('start', d.name), `start ${d.name}`)
    },
  }
}

export function editDomainInterface(opts: EditDomainInterfaceOptions): Task {
  const to = target(opts.to, 'to')
  const from = opts.from ? target(opts.from, 'from') : undefined
  const mac = opts.mac === undefined ? undefined : macAddress(opts.mac)
  const domain = opts.domain === undefined ? undefined : libvirtName(opts.domain, 'domain name')
  if (!mac && !from) throw new KvmplayError('validation', "editDomainInterface: say which interfaces to move: 'mac' or 'from' (e.g. { network: 'default' })")
  const policy = opts.restart ?? 'never'
  if (policy !== 'never' && policy !== 'shutdown-edit-start') throw new KvmplayError('validation', `invalid restart policy ${JSON.stringify(policy)}: expected 'never' or 'shutdown-edit-start'`)
  const timeout = opts.shutdownTimeout ?? 120
  const selects = (i: DomainInterface) => (!mac || i.mac === mac) && (!from || isAt(i, from) || isAt(i, to))
  return defineTask(
    {
      name: `move ${domain ?? 'domain'} interfaces ${mac ?? (from ? `on ${label(from)}` : '')} → ${label(to)}`,
      facts: () => [factRequest(libvirtFact, undefined)],
      plan: async (host) => {
        const state = await host.fact(libvirtFact, undefined)
        const domains = domain ? [state.domains.get(domain)].filter((d): d is LibvirtDomain => !!d) : [...state.domains.values()]
        if (domain && domains.length === 0) throw new KvmplayError('precondition', `${host.name}: no domain named ${domain}`)
        const steps: Step[] = []
        const pending: string[] = []
        let matched = 0
        for (const d of domains) {
          for (const i of d.interfaces.filter(selects)) {
            matched++
            const liveI = d.liveInterfaces?.find((l) => l.mac === i.mac)
            const configDone = isAt(i, to)
            const liveDone = !liveI || isAt(liveI, to)
            if (configDone && liveDone) continue
            if (configDone && !liveDone) {
              // Persistent already moved earlier under restart: 'never'; the guest moves at its next boot.
              if (policy === 'never') {
                pending.push(`${d.name} ${i.mac} moves at next boot`)
                continue
              }
            }
            steps.push(moveStep(d, configDone && liveI ? liveI : i, to, !!liveI && !liveDone, policy, timeout))
          }
        }
        if (mac && matched === 0) throw new KvmplayError('precondition', `${host.name}: no ${domain ? `interface of ${domain}` : 'domain interface'} has MAC ${mac}`)
        const reason = steps.length
          ? undefined
          : `${matched ? `all ${matched} selected interface(s) are on ${label(to)}` : 'no interface selected'}${pending.length ? ` (persistent; ${pending.join(', ')})` : ''}`
        return { steps, reason }
      },
    },
    opts,
  )
}

