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

const NONE: Readonly<Record<string, unknown>> = Object.freeze({})

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

/** The files that hold NAME's vars under `dir` (a group_vars or host_vars directory, whose names are `entries`), in the order they merge. */
export function varsFiles(dir: string, entries: ReadonlySet<string>, name: string): string[] {
  for (const ext of ['', ...EXTENSIONS]) {
    if (!entries.has(name + ext)) continue
    const path = join(dir, name + ext)
    const s = stat(path)
    if (s) return s.isDirectory() ? dirFiles(path) : [path]
  }
  return []
}

/** Reads the vars of groups and hosts from the group_vars/ and host_vars/ of base directories, each file once. */
export class VarsDirs {
  private readonly files = new Map<string, Record<string, unknown>>()
  /** Each group's or host's vars under one directory, merged once: a group's are shared by all its hosts (who copy them, never change them). */
  private readonly merged = new Map<string, Readonly<Record<string, unknown>>>()
  private readonly listings = new Map<string, ReadonlySet<string>>()

  constructor(private readonly secrets: readonly VaultSecret[]) {}

  /** NAME's vars from `base`/KIND, {} when there are none; to copy from, not to change. */
  vars(base: string, kind: VarsKind, name: string): Readonly<Record<string, unknown>> {
    // As Ansible: a name that is an absolute path (a chroot host) has no vars files.
    if (isAbsolute(name)) return NONE
    const dir = `${base}/${kind}`
    // Most hosts of a large inventory have no host_vars: found out from the listing, with no path made or stat'ed.
    const listing = this.listing(dir)
    if (!listing.has(name) && !EXTENSIONS.some((ext) => listing.has(name + ext))) return NONE
    const key = `${dir}\0${name}`
    let out = this.merged.get(key)
    if (!out) {
      const vars: Record<string, unknown> = {}
      for (const p of varsFiles(dir, listing, name)) {
        let file = this.files.get(p)
        if (!file) this.files.set(p, (file = loadVarsFile(p, this.secrets)))
        Object.assign(vars, file)
      }
      this.merged.set(key, (out = vars))
    }
    return out
  }

  /** The names in a group_vars/host_vars directory, read once; none when it is missing or no directory. */
  private listing(dir: string): ReadonlySet<string> {
    let names = this.listings.get(dir)
    if (!names) this.listings.set(dir, (names = new Set(stat(dir)?.isDirectory() ? readdirSync(dir) : [])))
    return names
  }


}
