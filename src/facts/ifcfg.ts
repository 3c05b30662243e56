/** The ifcfg files of /etc/sysconfig/network-scripts, parsed as the network scripts read them. */
import { KvmplayError } from '../core/errors.ts'
import { resource } from '../core/resource.ts'
import type { Fact } from './fact.ts'

export const NETWORK_SCRIPTS = '/etc/sysconfig/network-scripts'

/** KEY=value lines; quotes stripped; comments and blank lines ignored. */
export function parseIfcfg(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m) vars[m[1]] = m[2].trim().replace(/^(["'])(.*)\1$/, '$2')
  }
  return vars
}

export interface IfcfgFile {
  path: string
  text: string
  vars: Record<string, string>
}

export const ifcfgFilesFact: Fact<Map<string, IfcfgFile>, void> = {
  describe: () => `ifcfg files in ${NETWORK_SCRIPTS}`,
  name: 'ifcfg-files',
  reads: () => [resource.path(NETWORK_SCRIPTS)],
  command: () => `for f in ${NETWORK_SCRIPTS}/ifcfg-*; do [ -f "$f" ] || continue; case "$f" in *~|*.bak|*.orig|*.rpm*) continue;; esac; printf '@@FILE %s\\n' "$f"; cat "$f"; echo; done`,
  parse: (res) => {
    if (res.code !== 0) throw new KvmplayError('fact', `reading ${NETWORK_SCRIPTS} failed: ${res.stderr.trim()}`)
    const files = new Map<string, IfcfgFile>()
    for (const block of res.stdout.split(/^@@FILE /m).slice(1)) {
      const nl = block.indexOf('\n')
      const path = block.slice(0, nl)
      const text = block.slice(nl + 1).replace(/\n$/, '')
      files.set(path.slice(path.lastIndexOf('/ifcfg-') + 7), { path, text, vars: parseIfcfg(text) })
    }
    return files
  },
}
