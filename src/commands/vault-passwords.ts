/**
 * The run's vault passwords, from the flags an Ansible user types, read once
 * before the inventory is loaded, in Ansible's order (CLI.setup_vault_secrets):
 * ANSIBLE_VAULT_IDENTITY_LIST's ids, each `--vault-id LABEL@SOURCE`, then each
 * `--vault-password-file FILE` (and ANSIBLE_VAULT_PASSWORD_FILE) as the
 * 'default' id, then `--ask-vault-pass`.
 * A SOURCE is `prompt` (asked on the terminal, no echo), an executable (run,
 * its stdout the password; one named `*-client` is given `--vault-id LABEL`,
 * as Ansible's client scripts are), or a file (its content, stripped).
 * Kept in memory only: never in an argument, the environment or the output.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { homedir } from 'node:os'
import { basename, extname } from 'node:path'
import { KvmplayError } from '../core/errors.ts'
import type { VaultSecret } from '../inventory/vault.ts'
import { askPassword } from './become-password.ts'

export interface VaultArgs {
  vaultId?: string[]
  vaultPasswordFile?: string[]
  askVaultPass?: boolean
}

const usage = (message: string): never => {
  throw new KvmplayError('usage', message)
}

const nonEmpty = (password: string, where: string): Buffer =>
  password ? Buffer.from(password, 'utf8') : usage(`${where}: the vault password is empty`)

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function fromSource(label: string, source: string, flag: string): Buffer | Promise<Buffer> {
  const where = `${flag} ${label === 'default' ? '' : `${label}@`}${source}`
  if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
    const prompt = source === 'prompt' ? `Vault password (${label}): ` : 'Vault password: '
    return askPassword(prompt, { flag, what: 'vault password', instead: 'use --vault-password-file FILE', check: (typed) => (typed ? typed : usage(`${flag}: the vault password is empty`)) }).then((p) => Buffer.from(p, 'utf8'))
  }
  if (!statSync(source, { throwIfNoEntry: false })) usage(`${where}: the vault password file ${source} was not found`)
  if (isExecutable(source)) {
    const client = basename(source, extname(source)).endsWith('-client')
    const res = spawnSync(source, client ? ['--vault-id', label] : [], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'pipe'] })
    if (res.error) usage(`${where}: cannot run the vault password script (${res.error.message})`)
    if (res.status !== 0) usage(`${where}: the vault password script failed (exit ${res.status ?? res.signal})${res.stderr.trim() ? `: ${res.stderr.trim().split('\n').at(-1)}` : ''}`)
    return nonEmpty(res.stdout.replace(/^[\r\n]+|[\r\n]+$/g, ''), where)
  }
  let text: string
  try {
    text = readFileSync(source, 'utf8')
  } catch (err) {
    return usage(`${where}: ${(err as Error).message}`)
  }
  // Ansible strips a password file's whitespace at both ends, a script's line ends only.
  return nonEmpty(text.trim(), where)
}

/** `label@source`, or a bare source for the 'default' id. */
function splitVaultId(slug: string): [string, string] {
  const at = slug.indexOf('@')
  return at < 0 ? ['default', slug] : [slug.slice(0, at) || 'default', slug.slice(at + 1)]
}

export async function vaultSecrets(args: VaultArgs, env: NodeJS.ProcessEnv = process.env): Promise<VaultSecret[]> {
  // The shell expands ~ on a command line, not in the environment: Ansible's config does, and so here.
  const home = (path: string) => path.replace(/^~(?=\/|$)/, homedir())
  const files = [...(args.vaultPasswordFile ?? []), ...(env.ANSIBLE_VAULT_PASSWORD_FILE ? [home(env.ANSIBLE_VAULT_PASSWORD_FILE)] : [])]
  const configured = (env.ANSIBLE_VAULT_IDENTITY_LIST ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  const slugs: [string, string, string][] = [
    ...configured.map((s) => [splitVaultId(s)[0], home(splitVaultId(s)[1]), 'ANSIBLE_VAULT_IDENTITY_LIST'] as [string, string, string]),
    ...(args.vaultId ?? []).map((s) => [...splitVaultId(s), '--vault-id'] as [string, string, string]),
    ...files.map((f) => ['default', f, '--vault-password-file'] as [string, string, string]),
    ...(args.askVaultPass ? [['default', 'prompt_ask_vault_pass', '--ask-vault-pass'] as [string, string, string]] : []),
  ]
  const secrets: VaultSecret[] = []
  // One at a time: two prompts must not share the terminal.
  for (const [id, source, flag] of slugs) secrets.push({ id, password: await fromSource(id, source, flag) })
  return secrets
}
