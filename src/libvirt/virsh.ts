/** virsh commands as shell strings: every value quoted, XML passed through a temp file. */
import { sh } from '../core/quote.ts'
import { resource } from '../core/resource.ts'
import type { Resource } from '../core/resource.ts'

/** `virsh SUBCOMMAND ARGS… FILE` with FILE holding stdin (virsh takes XML from files only). */
export const virshWithXmlFile = (subcommand: string, args: string[], after: string[] = []) =>
  `t=$(mktemp) || exit 1\ncat > "$t"\n${sh`virsh ${subcommand} ${args}`} "$t" ${sh`${after}`}\nrc=$?\nrm -f "$t"\nexit $rc`

export const virsh = (...args: string[]) => sh`virsh ${args}`

/**
 * Several virsh commands in one virsh process (each process costs the host
 * ~20 ms of CPU). virsh goes on after a failed command and exits with the
 * last one's status, so any `error:` it printed fails the whole; use it only
 * where a command running after a failed one is harmless (define, then
 * autostart and start what was defined). `$t` names a file holding stdin;
 * every other word is a libvirt name or a fixed option (no quoting needed
 * by virsh's own parser — checked here).
 */
export function virshSequence(commands: string[][]): string {
  const words = commands.flat()
  const bad = words.find((w) => w !== '$t' && !/^[A-Za-z0-9_.+-]+$/.test(w))
  if (bad !== undefined) throw new Error(`virshSequence: ${JSON.stringify(bad)} needs quoting`)
  const file = words.includes('$t')
  return [
    ...(file ? ['t=$(mktemp) || exit 1', 'cat > "$t"'] : []),
    `err=$(virsh "${commands.map((c) => c.join(' ')).join('; ')}" 2>&1 >/dev/null); rc=$?`,
    ...(file ? ['rm -f "$t"'] : []),
    `case "$err" in *error:*) printf '%s\\n' "$err" >&2; exit 1;; esac`,
    'exit $rc',
  ].join('\n')
}

/** The one network or domain a libvirt change touches. */
export type LibvirtTouches = { network: string } | { domain: string } | { pool: string }

/**
 * What a libvirt change touches: the host's links (virbr0, vnet ports) and
 * the network or domain it changes (read again alone), or all of libvirt's
 * networks and domains when the change does not say (changes.ts adds the
 * pools where such a list changes one).
 */
export const libvirtTouches = (touches?: LibvirtTouches): Resource[] => [
  ...(!touches
    ? [resource.libvirtNetwork(), resource.libvirtDomain()]
    : 'network' in touches
      ? [resource.libvirtNetwork(touches.network)]
      : 'pool' in touches
        ? // A pool's build makes a directory or a volume group: the pool alone is read again, and the paths under it.
          [resource.libvirtPool(touches.pool)]
        : [resource.libvirtDomain(touches.domain)]),
  resource.links,
]
