/**
 * The settings of ansible.cfg an Ansible user has already written, read
 * where Ansible reads them: $ANSIBLE_CONFIG, else ./ansible.cfg (unless the
 * directory is world-writable: Ansible refuses a file anyone could plant
 * there, and so does kvmplay), else ~/.ansible.cfg, else
 * /etc/ansible/ansible.cfg — the first found, alone. And their ANSIBLE_*
 * environment variables, which win over any file, as in Ansible. Paths in
 * the file are taken from the file's directory, as Ansible takes them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { KvmplayError } from '../core/errors.ts'

type Kind = 'string' | 'path' | 'int' | 'bool'

/** ansible.cfg's key → kvmplay run's option; one table for the file and the environment. */
export const ANSIBLE_SETTINGS: readonly { section: string; key: string; env: string; option: string; kind: Kind }[] = [
  { section: 'defaults', key: 'inventory', env: 'ANSIBLE_INVENTORY', option: 'inventory', kind: 'path' },
  { section: 'defaults', key: 'forks', env: 'ANSIBLE_FORKS', option: 'forks', kind: 'int' },
  { section: 'defaults', key: 'remote_user', env: 'ANSIBLE_REMOTE_USER', option: 'user', kind: 'string' },
  { section: 'defaults', key: 'private_key_file', env: 'ANSIBLE_PRIVATE_KEY_FILE', option: 'private-key', kind: 'path' },
  { section: 'defaults', key: 'timeout', env: 'ANSIBLE_TIMEOUT', option: 'timeout', kind: 'int' },
  { section: 'defaults', key: 'ask_pass', env: 'ANSIBLE_ASK_PASS', option: 'ask-pass', kind: 'bool' },
  { section: 'privilege_escalation', key: 'become', env: 'ANSIBLE_BECOME', option: 'become', kind: 'bool' },
  { section: 'privilege_escalation', key: 'become_ask_pass', env: 'ANSIBLE_BECOME_ASK_PASS', option: 'ask-become-pass', kind: 'bool' },
  { section: 'privilege_escalation', key: 'become_method', env: 'ANSIBLE_BECOME_METHOD', option: 'become-method', kind: 'string' },
  { section: 'privilege_escalation', key: 'become_user', env: 'ANSIBLE_BECOME_USER', option: 'become-user', kind: 'string' },
]

/** The ansible.cfg Ansible would read, or undefined. */
export function findAnsibleCfg(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), home = homedir()): string | undefined {
  if (env.ANSIBLE_CONFIG) {
    const named = resolve(cwd, env.ANSIBLE_CONFIG)
    const file = existsSync(named) && statSync(named).isDirectory() ? join(named, 'ansible.cfg') : named
    if (existsSync(file)) return file
  }
  const here = join(cwd, 'ansible.cfg')
  // World-writable: anyone could have put it there (Ansible says "Ansible is being run in a world writable directory … ignoring it").
  if (existsSync(here) && (statSync(cwd).mode & 0o002) === 0) return here
  return [join(home, '.ansible.cfg'), '/etc/ansible/ansible.cfg'].find((f) => existsSync(f))
}

/** INI as Python's configparser reads ansible.cfg: [sections], `key = value` or `key: value`, `#`/`;` comment lines, ` ;` inline comments. */
export function parseCfg(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s;.*$/, '').trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const head = /^\[([^\]]+)\]$/.exec(line)
    if (head) {
      current = sections.get(head[1].trim()) ?? new Map()
      sections.set(head[1].trim(), current)
      continue
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line)
    if (kv && current) current.set(kv[1].toLowerCase(), kv[2])
  }
  return sections
}

const BOOL: Record<string, boolean> = { yes: true, y: true, true: true, t: true, on: true, '1': true, no: false, n: false, false: false, f: false, off: false, '0': false }

function convert(value: string, kind: Kind, where: string, base: string): unknown {
  const v = value.trim().replace(/^(["'])(.*)\1$/, '$2')
  if (kind === 'int') {
    if (!/^\d+$/.test(v)) throw new KvmplayError('usage', `${where}: '${value}' is not a whole number`)
    return Number(v)
  }
  if (kind === 'bool') {
    const b = BOOL[v.toLowerCase()]
    if (b === undefined) throw new KvmplayError('usage', `${where}: '${value}' is not a boolean (yes/no, true/false, on/off, 1/0)`)
    return b
  }
  if (kind === 'path') return v.split(',').map((p) => (p.startsWith('~') ? join(homedir(), p.slice(1)) : resolve(base, p.trim()))).join(',')
  return v
}

/** kvmplay run's options from the ansible.cfg found (option → value), and the file. */
export function ansibleCfgOptions(file: string | undefined): Record<string, unknown> {
  if (!file) return {}
  const sections = parseCfg(readFileSync(file, 'utf8'))
  const out: Record<string, unknown> = {}
  for (const s of ANSIBLE_SETTINGS) {
    const v = sections.get(s.section)?.get(s.key)
    if (v !== undefined && v.trim() !== '') out[s.option] = convert(v, s.kind, `${file} [${s.section}] ${s.key}`, dirname(file))
  }
  return out
}

/** kvmplay run's options from the ANSIBLE_* variables set (paths from the current directory). */
export function ansibleEnvOptions(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const s of ANSIBLE_SETTINGS) {
    const v = env[s.env]
    if (v !== undefined && v !== '') out[s.option] = convert(v, s.kind, `$${s.env}`, cwd)
  }
  return out
}
