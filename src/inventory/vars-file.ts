/**
 * One file of group_vars/ or host_vars/, as Ansible's loader reads it: JSON
 * if it parses as JSON, else YAML 1.1; the whole file may be vault-encrypted
 * (decrypted when read, which is when a host of its group is first read) and
 * its values may be `!vault` scalars (decrypted with the host's vars); an empty file is no vars. What it
 * holds must be a mapping of variable names.
 */
import { readFileSync } from 'node:fs'
import { LineCounter } from 'yaml'
import { parseYaml11 } from './yaml.ts'
import { KvmplayError } from '../core/errors.ts'
import { decryptVault, isVaulted, rememberVaultValue } from './vault.ts'
import type { VaultSecret } from './vault.ts'
import { markVaultTags } from './vault-yaml.ts'

const fail = (path: string, what: string): never => {
  throw new KvmplayError('inventory', `${path}: ${what}`)
}

/** Every string in a vaulted file is kept out of the output, as a vaulted value is. */
function rememberStrings(value: unknown): void {
  if (typeof value === 'string') rememberVaultValue(value)
  else if (value && typeof value === 'object') for (const v of Object.values(value)) rememberStrings(v)
}

function parse(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch {}
  const lines = new LineCounter()
  const doc = parseYaml11(text, lines, false)
  const syntax = doc.errors[0]
  // The message's first line only: the rest quotes the text, which may be a decrypted secret.
  if (syntax) fail(`${path}:${syntax.linePos?.[0].line ?? 1}`, `not valid YAML: ${syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`)
  markVaultTags(doc, path, lines)
  return doc.toJS()
}

export function loadVarsFile(path: string, secrets: readonly VaultSecret[]): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  } catch (err) {
    return fail(path, `cannot be read (${(err as Error).message})`)
  }
  const vaulted = isVaulted(text)
  if (vaulted) text = decryptVault(text, secrets, `vars file ${path}`)
  const vars = parse(text, path)
  if (vars === null || vars === undefined) return {}
  if (typeof vars !== 'object' || Array.isArray(vars)) {
    // A vaulted file's value is not shown, not even to say what is wrong with it.
    const got = Array.isArray(vars) ? 'a list' : vaulted ? `a ${typeof vars}` : `the ${typeof vars} ${JSON.stringify(vars)}`
    fail(path, `must be a mapping of variable names to values (got ${got})`)
  }
  if (vaulted) rememberStrings(vars)
  return vars as Record<string, unknown>
}
