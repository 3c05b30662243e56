/** What must hold on the host after its network changed, before the change is confirmed. */
import { sh } from '../core/quote.ts'
import type { BridgeWish } from './wish.ts'

/** The gateway answers (where the host has ping), then the user's own probes. */
export function probesFor(w: BridgeWish, extra: string[]): string[] {
  return [...(w.gateway ? [sh`! command -v ping >/dev/null 2>&1 || ping -c 1 -W 2 ${w.gateway}`] : []), ...extra]
}

/** libvirtd answers: lives with libvirt's session (src/libvirt/answers.ts). */
export { libvirtAnswers } from '../libvirt/answers.ts'
