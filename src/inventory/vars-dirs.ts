/**
 * group_vars/ and host_vars/ beside an inventory source or a playbook, found
 * as Ansible's host_group_vars plugin finds them (DataLoader.find_vars_files):
 * for a group or host NAME, the first of `NAME`, `NAME.yml`, `NAME.yaml`,
 * `NAME.json` that exists; when that is a directory, every file in it and in
 * its subdirectories, in sorted order, with one of those extensions or none,
 * skipping hidden files and backups (`~`). Later files win, key by key.
 *
 * Each file is read once per run however many hosts share its group.
 */
import { readdirSync, statSync } from 'node:fs'
import { extname, isAbsolute, join } from 'node:path'
import { loadVarsFile } from './vars-file.ts'
import type { VaultSecret } from './vault.ts'

export type VarsKind = 'group_vars' | 'host_vars'

const EXTENSIONS = ['.yml', '.yaml', '.json']

const stat = (path: string) => statSync(path, { throwIfNoEntry: false })

/** Python sorts file names by code point. */
const sorted = (names: string[]) => names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

function dirFiles(dir: string): string[] {
  return sorted(readdirSync(dir)).flatMap((name) => {
    if (name.startsWith('.') || name.endsWith('~')) return []
    const path = join(dir, name)
    const ext = extname(name)
    const s = stat(path)
    if (s?.isDirectory() && !ext) return dirFiles(path)
    return s?.isFile() && (!ext || EXTENSIONS.includes(ext)) ? [path] : []
  })
}

/** The files that hold NAME's vars under `dir` (a group_vars or host_vars directory), in the order they merge. */
export function varsFiles(dir: string, name: string): string[] {
  for (const ext of ['', ...EXTENSIONS]) {
    const path = join(dir, name + ext)
    const s = stat(path)
    if (s) return s.isDirectory() ? dirFiles(path) : [path]
  }
  return []
}

/** Reads the vars of groups and hosts from the group_vars/ and host_vars/ of base directories, each file once. */
export class VarsDirs {
  private readonly files = new Map<string, Record<string, unknown>>()
  private readonly found = new Map<string, string[]>()

  constructor(private readonly secrets: readonly VaultSecret[]) {}

  /** NAME's vars from `base`/KIND, {} when there are none. */
  vars(base: string, kind: VarsKind, name: string): Record<string, unknown> {
    // As Ansible: a name that is an absolute path (a chroot host) has no vars files.
    if (isAbsolute(name)) return {}
    const dir = join(base, kind)
    const key = `${dir}\0${name}`
    let paths = this.found.get(key)
    if (!paths) {
      paths = stat(dir)?.isDirectory() ? varsFiles(dir, name) : []
      this.found.set(key, paths)
    }
    const out: Record<string, unknown> = {}
    for (const p of paths) {
      let vars = this.files.get(p)
      if (!vars) this.files.set(p, (vars = loadVarsFile(p, this.secrets)))
      Object.assign(out, vars)
    }
    return out
  }

  /** The vars of one group or host from several base directories, later ones winning. */
  merged(bases: readonly string[], kind: VarsKind, name: string): Record<string, unknown> {
    return Object.assign({}, ...bases.map((b) => this.vars(b, kind, name)))
  }
}
