/** virsh commands as shell strings: every value quoted, XML passed through a temp file. */
import { sh } from '../core/quote.ts'

/** `virsh SUBCOMMAND ARGS… FILE` with FILE holding stdin (virsh takes XML from files only). */
export const virshWithXmlFile = (subcommand: string, args: string[], after: string[] = []) =>
  `t=$(mktemp) || exit 1\ncat > "$t"\n${sh`virsh ${subcommand} ${args}`} "$t" ${sh`${after}`}\nrc=$?\nrm -f "$t"\nexit $rc`

export const virsh = (...args: string[]) => sh`virsh ${args}`

/** What a libvirt change can make stale: libvirt's state, and the host's links (virbr0, vnet ports). */
export const LIBVIRT_STALE = ['libvirt', 'network'] as const
