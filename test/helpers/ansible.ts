/**
 * The real Ansible, for checking kvmplay against it: ansible-inventory's
 * per-host vars, and ansible-vault's encryption (so the vault tests read
 * what Ansible writes, not what kvmplay thinks it writes). Run from an empty
 * directory with an empty config, so that no ansible.cfg or group_vars/ of
 * the machine or the repository has a say.
 */
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const neutral = mkdtempSync(join(tmpdir(), 'kvmplay-ansible-cwd-'))
// Shared by every test file that imports this one (uvu runs them in one process): removed when the process ends, not after one file.
process.once('exit', () => rmSync(neutral, { recursive: true, force: true }))
writeFileSync(join(neutral, 'empty.cfg'), '')
const ENV = {
  ...process.env,
  ANSIBLE_CONFIG: join(neutral, 'empty.cfg'),
  ANSIBLE_LOCAL_TEMP: join(neutral, 'tmp'),
  ANSIBLE_HOME: join(neutral, 'home'),
  // A source Ansible cannot read is an error here, not a warning that leaves its hosts out.
  ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: '1',
  ANSIBLE_NOCOLOR: '1',
}

function ansible(cmd: string, args: string[], input?: string): string {
  const res = spawnSync(cmd, args, { cwd: neutral, env: ENV, encoding: 'utf8', input })
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr}${res.error ?? ''}`)
  return res.stdout
}

export interface AnsibleOptions {
  playbookDir?: string
  /** Extra arguments: --vault-password-file F, --vault-id L@F… */
  args?: string[]
}

/** Each inventory source its own -i. */
const sources = (inventory: string | string[]) => [inventory].flat().flatMap((i) => ['-i', i])

const extra = (o: AnsibleOptions) => [...(o.playbookDir ? ['--playbook-dir', o.playbookDir] : []), ...(o.args ?? [])]

/** `ansible-inventory --list`: each group's own hosts and children (not _meta). */
export function ansibleGroups(inventory: string | string[], o: AnsibleOptions = {}): Record<string, { hosts?: string[]; children?: string[] }> {
  const { _meta, ...groups } = JSON.parse(ansible('ansible-inventory', [...sources(inventory), '--list', ...extra(o)]))
  return groups
}

const run = promisify(execFile)

/** `ansible-inventory --host H` as JSON (a vaulted value comes back as { __ansible_vault: ciphertext }); asynchronous, so that every host is asked at once. */
export async function ansibleHostVars(inventory: string | string[], host: string, o: AnsibleOptions = {}): Promise<Record<string, unknown>> {
  const { stdout } = await run('ansible-inventory', [...sources(inventory), '--host', host, ...extra(o)], { cwd: neutral, env: ENV })
  return JSON.parse(stdout)
}

/** `ansible-vault encrypt_string`: the vault text of one value (without the `!vault |` and its indent). */
export function vaultString(plain: string, passwordFile: string, vaultId?: string): string {
  const id = vaultId ? ['--vault-id', `${vaultId}@${passwordFile}`] : ['--vault-password-file', passwordFile]
  const out = ansible('ansible-vault', ['encrypt_string', ...id, '--encrypt-vault-id', vaultId ?? 'default', plain])
  return out.replace(/^!vault \|\n/, '').replace(/^ +/gm, '')
}

/** `ansible-vault encrypt` of a file, in place. */
export function vaultFile(path: string, passwordFile: string, vaultId?: string): void {
  const id = vaultId ? ['--vault-id', `${vaultId}@${passwordFile}`] : ['--vault-password-file', passwordFile]
  ansible('ansible-vault', ['encrypt', ...id, '--encrypt-vault-id', vaultId ?? 'default', path])
}

/** A `!vault |` YAML value, indented for a key at `indent` spaces. */
export const vaultYaml = (vaultText: string, indent: number): string =>
  `!vault |\n${vaultText.trim().split('\n').map((l) => `${' '.repeat(indent + 2)}${l}\n`).join('')}`
