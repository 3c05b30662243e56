/**
 * The base layer: what every lab host has on top of the machine's own files
 * (the lower layer of each host's overlays). It turns a machine with the
 * packages installed into "a fresh KVM install" as Debian ships one: the
 * users libvirt-daemon-system would create, that package's own libvirtd.conf,
 * polkit policy and rule (stock.ts), libvirt's `default` network autostarted,
 * the lab key for root and the lab's users, and the guests' tiny boot disks.
 *
 * sshd's configuration is the machine's own /etc/ssh/sshd_config, as the
 * openssh-server package installs it, which this layer does not touch; the lab
 * adds one drop-in in /etc/ssh/sshd_config.d (which that file includes), with
 * only what an admin closing root's logins would write (`lab up --login`).
 */
import { readFileSync, existsSync, mkdirSync, statSync, chmodSync, writeFileSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { $ } from './sh.ts'
import { renderTemplate } from '../render.ts'
import { writeIfChanged, symlinkIfChanged, mirrorMachineDirs } from './files.ts'
import { STOCK_CACHE } from './stock.ts'
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

/**
 * What the base layer is made of. A lab whose base layer was built otherwise
 * (an older kvmplay: its own sshd_config and libvirtd.conf) has every host
 * rebuilt on one with this: files cannot leave a lower layer under running
 * hosts (an overlay keeps what it looked up).
 */
export const BASE_GENERATION = 'stock-2: Debian sshd_config + drop-in, libvirt-daemon-system files'
const generationFile = (base: string) => join(base, '.kvmplay-base')

/** Whether the lab's base layer is missing or built as this kvmplay builds it. */
export const baseIsCurrent = (lab: Lab) => {
  const base = labPaths(lab.dir).base
  return !existsSync(base) || (existsSync(generationFile(base)) && readFileSync(generationFile(base), 'utf8').trim() === BASE_GENERATION)
}

/** Removes the base layer (its hosts must be down). */
export const removeBase = (lab: Lab) => rmSync(labPaths(lab.dir).base, { recursive: true, force: true })

/**
 * The files of libvirt-daemon-system that a host carries, from the unpacked
 * package (stock.ts), unchanged: libvirtd.conf (all commented: libvirtd's
 * built-in defaults, sockets 0777 with polkit auth), the defaults file of its
 * unit, and the polkit policy and rule that let group libvirt in.
 */
const STOCK_LIBVIRT_FILES = [
  'etc/libvirt/libvirtd.conf',
  'etc/default/libvirtd',
  'usr/share/polkit-1/actions/org.libvirt.api.policy',
  'usr/share/polkit-1/actions/org.libvirt.unix.policy',
  'usr/share/polkit-1/rules.d/60-libvirt.rules',
]

function writeStockFiles(base: string, tree: string): void {
  for (const file of STOCK_LIBVIRT_FILES) {
    const path = join(base, file)
    writeIfChanged(path, readFileSync(join(tree, file)), statSync(join(tree, file)).mode & 0o777)
  }
}

/**
 * Builds (or updates) the base layer; true when sshd's drop-in changed
 * (running hosts must read it again). `stockTree`: the unpacked
 * libvirt-daemon-system (stock.ts), for hosts that run libvirtd.
 */
export async function buildBase(lab: Lab, opts: { rootOn22?: boolean; stockTree?: string } = {}): Promise<boolean> {
  const base = labPaths(lab.dir).base
  const etc = join(base, 'etc')
  mkdirSync(base, { recursive: true })
  writeFileSync(generationFile(base), `${BASE_GENERATION}\n`)
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

  // Always there, changed in place: a file appearing in a lower layer under running hosts might go unseen.
  const sshdChanged = writeIfChanged(
    join(etc, 'ssh/sshd_config.d/kvmplay-lab.conf'),
    renderTemplate('lab/sshd-lab.conf.hbs', { rootOn22: opts.rootOn22 !== false, rootPort: ROOT_PORT, cheap: lab.cheap === true }),
  )
  if (opts.stockTree) writeStockFiles(base, opts.stockTree)
  // Not Debian's: what the emulation cannot do (qemu.conf.hbs says what and why).
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

  // The machine's cache of stock packages is not the hosts' business: an
  // overlay whiteout (a 0/0 character device) hides it in every host's /var.
  const hidden = join(base, STOCK_CACHE)
  if (!existsSync(hidden)) {
    mkdirSync(join(hidden, '..'), { recursive: true })
    await $`mknod ${hidden} c 0 0`
  }

  for (const domain of hostPlan(lab, 1).domains) {
    writeIfChanged(join(base, `var/lib/libvirt/images/${domain.name}.img`), haltBootSector())
  }
  mirrorMachineDirs(base)
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
