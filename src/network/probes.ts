/**
 * What must hold on the host after its network changed, before the change is
 * confirmed — and, unless a probe says otherwise, what must already hold
 * before it is made (a condition false before the change is not the change's
 * fault: the task fails with nothing changed instead of rolling back).
 *
 * No probe passes without probing: a probe that cannot run on the host (a
 * tool it needs is missing: exit 127, as the shell's "command not found")
 * counts as failed, said so, unless the playbook marks it optional.
 */
import { KvmplayError } from '../core/errors.ts'
import { sh } from '../core/quote.ts'
import { CANNOT_RUN } from '../cutover/probe.ts'
import type { Probe } from '../cutover/probe.ts'
import type { BridgeWish } from './wish.ts'

/** A playbook's probe: a shell command, or one with a name and how it counts. */
export type ProbeSpec = string | { command: string; name?: string; optional?: boolean; precondition?: boolean }

/**
 * The gateway answers: to ping where the host has it, else — or where ICMP
 * is filtered — to the kernel's neighbour resolution: a datagram sent to it
 * (bash's /dev/udp, no tool needed) makes the kernel ask for its MAC, and an
 * entry with a link-layer address is the gateway's answer. The entry is
 * flushed first, so an answer from before the change cannot count.
 */
export function gatewayProbe(gateway: string): Probe {
  const command = [
    sh`gw=${gateway}`,
    '! command -v ping >/dev/null 2>&1 || ! ping -c 1 -W 2 "$gw" >/dev/null 2>&1 || exit 0',
    `command -v ip >/dev/null 2>&1 && command -v bash >/dev/null 2>&1 || { echo "needs ping, or ip and bash, to ask the gateway" >&2; exit ${CANNOT_RUN}; }`,
    'ip neigh flush to "$gw" 2>/dev/null',
    `bash -c 'echo > "/dev/udp/$0/9"' "$gw" 2>/dev/null`,
    'i=0; while [ $i -lt 30 ]; do',
    '  n=$(ip neigh show to "$gw")',
    '  case "$n" in *lladdr*REACHABLE*|*lladdr*STALE*|*lladdr*DELAY*|*lladdr*PROBE*|*lladdr*PERMANENT*) exit 0 ;; esac',
    '  sleep 0.1; i=$((i+1))',
    'done',
    'echo "no answer to ping nor to neighbour resolution (${n:-no neighbour entry})" >&2; exit 1',
  ].join('\n')
  return { name: `the gateway ${gateway} answers`, command }
}

export function probeOf(spec: ProbeSpec): Probe {
  if (typeof spec === 'string') return { name: spec, command: spec }
  if (!spec || typeof spec.command !== 'string' || !spec.command.trim()) {
    throw new KvmplayError('validation', `invalid probe ${JSON.stringify(spec)}: expected a shell command, or { command, name?, optional?, precondition? }`)
  }
  return { name: spec.name ?? spec.command, command: spec.command, optional: spec.optional, precondition: spec.precondition }
}

/** The gateway probe first (where a gateway is known), then the user's probes in their order. */
export function probesFor(w: Pick<BridgeWish, 'gateway'>, extra: ProbeSpec[]): Probe[] {
  return [...(w.gateway ? [gatewayProbe(w.gateway)] : []), ...extra.map(probeOf)]
}

/** libvirtd answers: lives with libvirt's session (src/libvirt/answers.ts). */
export { libvirtAnswers } from '../libvirt/answers.ts'
