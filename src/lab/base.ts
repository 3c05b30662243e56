/**
 * The base layer: what every lab host has on top of the machine's own files
 * (the lower layer of each host's overlays). It turns a machine with the
 * packages installed into "a fresh KVM install": the users Debian's
 * libvirt-daemon-system would create, libvirt's `default` network autostarted,
 * an sshd that takes the lab key, and the guests' tiny boot disks.
 */
import { readFileSync, existsSync, mkdirSync, statSync, chmodSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { $ } from './sh.ts'
import { renderTemplate } from '../render.ts'
import { writeIfChanged, symlinkIfChanged } from './files.ts'
import { labPaths } from './state.ts'
import type { Lab } from './state.ts'
import { hostPlan } from './addressing.ts'
import { labPassword, labUserEntries, ROOT_PORT, shadowHash } from './logins.ts'

/** Users and groups that libvirtd and its dnsmasq run as (Debian's fixed uid for libvirt-qemu). */
const LIBVIRT_GROUPS = ['libvirt:x:990:', 'kvm:x:991:', 'libvirt-qemu:x:64055:', 'libvirt-dnsmasq:x:989:']
const LIBVIRT_USERS = [
  'libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin',
  'libvirt-dnsmasq:x:989:989:Libvirt Dnsmasq,,,:/var/lib/libvirt/dnsmasq:/usr/sbin/nologin',
]

function withEntries(file: string, entries: string[]): string {
  const text = readFileSync(file, 'utf8')
  const names = new Set(text.split('\n').map((line) => line.split(':')[0]))
  const missing = entries.filter((e) => !names.has(e.split(':')[0]))
  return text.endsWith('\n') || text === '' ? text + missing.map((e) => e + '\n').join('') : text + '\n' + missing.join('\n') + '\n'
}

/**
 * A 512-byte boot sector that halts the CPU with interrupts off (cli; hlt),
 * so a running lab guest under qemu TCG uses no CPU at all.
 */
export function haltBootSector(): Buffer {
  const sector = Buffer.alloc(512)
  Buffer.from([0xfa, 0xf4, 0xeb, 0xfd]).copy(sector) // cli; hlt; jmp back to hlt
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}

/** Creates the lab's SSH key once; later runs keep it so inventories stay valid. */
export async function ensureLabKey(lab: Lab): Promise<string> {
  const { key } = labPaths(lab.dir)
  if (!existsSync(key)) {
    mkdirSync(lab.dir, { recursive: true, mode: 0o700 })
    await $`ssh-keygen -q -t ed25519 -N ${''} -C ${`kvmplay-lab-${lab.name}`} -f ${key}`
  }
  return readFileSync(`${key}.pub`, 'utf8')
}

/** Builds (or updates) the base layer; true when sshd's config changed (running hosts must read it again). */
export async function buildBase(lab: Lab, opts: { rootOn22?: boolean } = {}): Promise<boolean> {
  const base = labPaths(lab.dir).base
  const etc = join(base, 'etc')
  const pub = await ensureLabKey(lab)
  const users = labUserEntries(await labHash(lab))
  // The login users join group libvirt only where they should: kvvirt.
  const groups = LIBVIRT_GROUPS.map((g) => (g.startsWith('libvirt:') ? `${g}kvvirt` : g))

  for (const [file, entries] of [
    ['group', [...groups, ...users.group]],
    ['gshadow', [...groups, ...users.group].map((g) => `${g.split(':')[0]}:!::`)],
    ['passwd', [...LIBVIRT_USERS, ...users.passwd]],
    ['shadow', [...LIBVIRT_USERS.map((u) => `${u.split(':')[0]}:!:19000::::::`), ...users.shadow]],
  ] as const) {
    const source = join('/etc', file)
    let text = withEntries(source, [...entries])
    // root gets the lab password too: su asks for the target's password.
    if (file === 'shadow') text = text.replace(/^root:[^:]*:/m, `root:${users.rootHash}:`)
    writeIfChanged(join(etc, file), text, statSync(source).mode & 0o777)
  }
  writeIfChanged(join(etc, 'sudoers.d/kvmplay-lab'), users.sudoers, 0o440)
  writeIfChanged(join(etc, 'doas.conf'), users.doas, 0o600)
  for (const name of users.names) {
    const home = join(base, 'home', name)
    mkdirSync(join(home, '.ssh'), { recursive: true })
    writeIfChanged(join(home, '.ssh/authorized_keys'), pub, 0o600)
    for (const dot of ['.bashrc', '.profile']) {
      const skel = join('/etc/skel', dot)
      writeIfChanged(join(home, dot), existsSync(skel) ? readFileSync(skel) : '')
    }
    const uid = Number(users.passwd.find((l) => l.startsWith(`${name}:`))!.split(':')[2])
    await $`chown -R ${`${uid}:${uid}`} ${home}`
    chmodSync(join(home, '.ssh'), 0o700)
  }

  const sshdChanged = writeIfChanged(join(etc, 'ssh/sshd_config'), renderTemplate('lab/sshd_config.hbs', { rootOn22: opts.rootOn22 !== false, rootPort: ROOT_PORT }))
  writeIfChanged(join(etc, 'libvirt/libvirtd.conf'), renderTemplate('lab/libvirtd.conf.hbs', {}))
  writeIfChanged(join(etc, 'libvirt/qemu.conf'), renderTemplate('lab/qemu.conf.hbs', {}))
  // What libvirt-daemon-config-network's postinst sets up on a fresh install.
  writeIfChanged(
    join(etc, 'libvirt/qemu/networks/default.xml'),
    readFileSync('/usr/share/libvirt/networks/default.xml'),
  )
  symlinkIfChanged('/etc/libvirt/qemu/networks/default.xml', join(etc, 'libvirt/qemu/networks/autostart/default.xml'))

  // root's dotfiles as a fresh install has them, not this machine's (whose
  // .bashrc may start tools on every SSH command: 100 ms each, seen here).
  for (const dot of ['.bashrc', '.profile']) {
    const skel = join('/etc/skel', dot)
    writeIfChanged(join(base, 'root', dot), existsSync(skel) ? readFileSync(skel) : '')
  }
  mkdirSync(join(base, 'root/.ssh'), { recursive: true })
  chmodSync(join(base, 'root/.ssh'), 0o700)
  writeIfChanged(join(base, 'root/.ssh/authorized_keys'), pub, 0o600)

  for (const domain of hostPlan(lab, 1).domains) {
    writeIfChanged(join(base, `var/lib/libvirt/images/${domain.name}.img`), haltBootSector())
  }
  return sshdChanged
}

/** The lab password's hash, made once per lab (a new salt each time would rewrite shadow on every up). */
async function labHash(lab: Lab): Promise<string> {
  const path = join(lab.dir, 'become-password.hash')
  const password = labPassword(lab.dir)
  if (existsSync(path)) {
    const [forPassword, hash] = readFileSync(path, 'utf8').split('\n')
    if (forPassword === createHash('sha256').update(password).digest('hex')) return hash
  }
  const hash = await shadowHash(password)
  writeFileSync(path, `${createHash('sha256').update(password).digest('hex')}\n${hash}\n`, { mode: 0o600 })
  return hash
}
