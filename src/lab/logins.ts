/**
 * Lab hosts as real fleets are: root may not log in, people log in as
 * themselves and escalate. Every lab host has the same login users (one per
 * way of escalating, and a few that must fail), all taking the lab key;
 * `lab up --login MODE[,MODE…]` chooses which one the inventory logs in as
 * (round-robin over the hosts, as --profile) and, for any mode but root,
 * closes port 22 to root. Root keeps its own way in, for the lab itself and
 * for the tests that check hosts: port 2222, where only root, with the lab
 * key, may log in (the lab's ssh_config uses it).
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from './sh.ts'

export const LAB_LOGINS = ['root', 'sudo', 'sudo-nopasswd', 'doas', 'su'] as const
export type LabLogin = (typeof LAB_LOGINS)[number]

/** The port root logs in on when port 22 is closed to it. */
export const ROOT_PORT = 2222

/** The lab's users: name, and what they may do (sudoers, doas.conf, groups). */
export const LAB_USERS = {
  kvsudo: 'sudo with a password',
  kvnopw: 'sudo without a password (NOPASSWD)',
  kvdoas: 'doas with a password',
  kvsu: 'su to root with the lab password (root has it too)',
  kvnosudo: 'nothing: not in sudoers',
  kvtty: 'sudo with a password, but sudoers has requiretty for it',
  kvvirt: "nothing but group libvirt: libvirt's system socket without root",
} as const
export type LabUser = keyof typeof LAB_USERS

const LOGIN_USER: Record<Exclude<LabLogin, 'root'>, LabUser> = { sudo: 'kvsudo', 'sudo-nopasswd': 'kvnopw', doas: 'kvdoas', su: 'kvsu' }

export function parseLogins(text: string): LabLogin[] {
  const list = text.split(',').map((s) => s.trim())
  for (const l of list) {
    if (!(LAB_LOGINS as readonly string[]).includes(l)) throw new Error(`invalid login '${l}': use ${LAB_LOGINS.join(', ')}, or a comma-separated list of them`)
  }
  return list as LabLogin[]
}

export const loginForHost = (logins: readonly LabLogin[], index: number): LabLogin => logins[(index - 1) % logins.length]

/** The inventory vars that log in as this mode says and escalate to root. */
export function loginVars(login: LabLogin): Record<string, unknown> {
  if (login === 'root') return { ansible_user: 'root' }
  return { ansible_user: LOGIN_USER[login], ansible_become: true, ansible_become_method: login.startsWith('sudo') ? 'sudo' : login }
}

/** The lab's become password (also root's, for su): random per lab, kept 0600 in the lab directory. */
export function labPassword(dir: string): string {
  const path = join(dir, 'become-password')
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(9).toString('base64url')}\n`, { mode: 0o600 })
  return readFileSync(path, 'utf8').trim()
}

export const labPasswordFile = (dir: string) => join(dir, 'become-password')

/** sha512-crypt of the password, for /etc/shadow (the password on stdin, never in arguments). */
export async function shadowHash(password: string): Promise<string> {
  return (await $({ input: `${password}\n` })`openssl passwd -6 -stdin`).stdout.trim()
}

/** Lines for passwd, shadow and group, and the files that grant each user its rights. */
export function labUserEntries(hash: string) {
  const names = Object.keys(LAB_USERS) as LabUser[]
  const uid = (i: number) => 2001 + i
  return {
    passwd: names.map((n, i) => `${n}:x:${uid(i)}:${uid(i)}::/home/${n}:/bin/bash`),
    shadow: names.map((n) => `${n}:${hash}:19000:0:99999:7:::`),
    group: names.map((n, i) => `${n}:x:${uid(i)}:`),
    sudoers: [
      '# Written by kvmplay lab: who may escalate how.',
      'kvsudo ALL=(ALL:ALL) ALL',
      'kvnopw ALL=(ALL:ALL) NOPASSWD: ALL',
      'Defaults:kvtty requiretty',
      'kvtty ALL=(ALL:ALL) ALL',
      '',
    ].join('\n'),
    doas: 'permit kvdoas as root\n',
    rootHash: hash,
    names,
  }
}
