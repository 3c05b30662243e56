/**
 * A dynamic inventory: an executable (a script with `#!`, or a program) that
 * prints the inventory as JSON when run with `--list`, as Ansible's script
 * plugin runs it. Groups map to a list of hosts, or to `hosts`, `vars` and
 * `children`; `_meta.hostvars` holds every host's vars — without it, each
 * host's come from a run with `--host NAME`, as Ansible falls back.
 */
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { KvmplayError } from '../core/errors.ts'
import { RawInventory } from './build.ts'
import { VaultedValue } from './vault.ts'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Executable and a script or a program (`#!` or ELF): a text inventory left executable by a careless chmod is still read as text. */
export function isInventoryScript(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
  } catch {
    return false
  }
  const head = Buffer.alloc(4)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, head, 0, 4, 0)
  } finally {
    closeSync(fd)
  }
  return head.subarray(0, 2).toString('latin1') === '#!' || head.equals(Buffer.from('\x7fELF', 'latin1'))
}

const failScript = (path: string, call: string, what: string): never => {
  throw new KvmplayError('inventory', `inventory script ${path} ${call}: ${what}`)
}

function runScript(path: string, args: string[]): unknown {
  const call = `inventory script ${path} ${args.join(' ')}`
  const res = spawnSync(path, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })
  if (res.error) throw new KvmplayError('inventory', `${call}: cannot run it (${res.error.message})`)
  if (res.status !== 0) {
    const why = res.stderr.trim().split('\n').slice(-3).join(' / ')
    throw new KvmplayError('inventory', `${call} failed (exit ${res.status ?? res.signal})${why ? `: ${why}` : ''}`)
  }
  try {
    return JSON.parse(res.stdout)
  } catch (err) {
    throw new KvmplayError('inventory', `${call}: its output is not JSON (${(err as Error).message}); an inventory script prints its groups as a JSON object`)
  }
}

/** `{"__ansible_vault": "$ANSIBLE_VAULT;…"}`, as Ansible's JSON carries a vaulted value, kept vaulted wherever it is (vault.ts). */
function markJson(value: unknown, what: string): unknown {
  if (Array.isArray(value)) return value.map((v) => markJson(v, what))
  if (!isObject(value)) return value
  if (typeof value.__ansible_vault === 'string' && Object.keys(value).length === 1) return new VaultedValue(value.__ansible_vault, what)
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markJson(v, what)]))
}

function readGroup(raw: RawInventory, name: string, data: unknown): void {
  const fail = (what: string): never => failScript(raw.source, '--list', `group '${name}': ${what}`)
  raw.group(name)
  // As Ansible: a list is the group's hosts; a mapping with none of the keys is a host of the group's name with those vars.
  const d: Json = !isObject(data) ? { hosts: data } : ['hosts', 'vars', 'children'].some((k) => k in data) ? data : { hosts: [name], vars: data }
  if ('hosts' in d) {
    if (!Array.isArray(d.hosts)) fail('hosts must be a list of host names')
    for (const h of d.hosts as unknown[]) raw.addHost(name, String(h), {})
  }
  if ('vars' in d) {
    if (!isObject(d.vars)) fail('vars must be a mapping of variable names to values')
    for (const [k, v] of Object.entries(d.vars as Json)) raw.setGroupVar(name, k, markJson(v, `variable '${k}' of group '${name}' (${raw.source})`), 1)
  }
  if ('children' in d) {
    if (!Array.isArray(d.children)) fail('children must be a list of group names')
    for (const c of d.children as unknown[]) raw.addChild(name, String(c), 1)
  }
}

export function readScriptInventory(path: string): RawInventory {
  const raw = new RawInventory(path)
  const list = runScript(path, ['--list'])
  if (!isObject(list)) return failScript(path, '--list', 'it must print a JSON object of groups')
  let meta: unknown
  for (const [name, data] of Object.entries(list)) {
    if (name !== '_meta') readGroup(raw, name, data)
    else if (isObject(data) && 'hostvars' in data) meta = data.hostvars
  }
  if (meta !== undefined && !isObject(meta)) failScript(path, '--list', '_meta.hostvars must be a mapping of host names to their vars')
  for (const [host, vars] of raw.hostVars) {
    const own = meta === undefined ? runScript(path, ['--host', host]) : ((meta as Json)[host] ?? {})
    if (!isObject(own)) failScript(path, meta === undefined ? `--host ${host}` : '--list', `the vars of host '${host}' must be a mapping of variable names to values`)
    for (const [k, v] of Object.entries(own as Json)) vars[k] = markJson(v, `variable '${k}' of host '${host}' (${path})`)
  }
  return raw
}
