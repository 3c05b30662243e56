/**
 * The way back on ifupdown2: the bridge's stanzas (and kvmplay's marker)
 * out of the file that holds them, the uplink's own stanza back in their
 * place in ifupdown2's syntax (templates/ifupdown2/uplink.hbs: `iface
 * <device> inet static`, its `address` lines, gateway, the dns-* lines the
 * bridge carried; `auto <device>` where no line brings it up), so a file
 * kvmplay bridged comes back as it was. The running host: `ifreload -a`,
 * and the bridge deleted where ifupdown2 leaves it (../backends/ifupdown2.ts).
 */
import { ifupdown2Files, ifupdown2Restore, ifupdown2Runtime } from '../backends/ifupdown2.ts'
import type { Unbridger } from './types.ts'

export const ifupdown2Unbridger: Unbridger = {
  name: 'ifupdown2',
  persist: (w, facts) => ifupdown2Files('absent', w, facts),
  planRuntime: (w, facts) => ifupdown2Runtime('absent', w, facts),
  restore: (change, facts, files) => ifupdown2Restore('absent', change, facts, files),
}
