/**
 * The base layer: what every lab host has on top of the machine's own files
 * (the lower layer of each host's overlays). It turns a machine with the
 * packages installed into "a fresh KVM install": the users Debian's
 * libvirt-daemon-system would create, libvirt's `default` network autostarted,
 * an sshd that takes the lab key, and the guests' tiny boot disks.
 */
import { readFileSync, existsSync, mkdirSync, statSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { $ } from './sh.ts'
import { renderTemplate } from '../render.ts'
import { writeIfChanged, symlinkIfChanged } from './files.ts'
import { labPaths } from './state.ts'
import type { Lab } from './state.ts'
import { hostPlan } from './addressing.ts'

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

export async function buildBase(lab: Lab): Promise<void> {
  const base = labPaths(lab.dir).base
  const etc = join(base, 'etc')
  const pub = await ensureLabKey(lab)

  for (const [file, entries] of [
    ['group', LIBVIRT_GROUPS],
    ['gshadow', LIBVIRT_GROUPS.map((g) => `${g.split(':')[0]}:!::`)],
    ['passwd', LIBVIRT_USERS],
    ['shadow', LIBVIRT_USERS.map((u) => `${u.split(':')[0]}:!:19000::::::`)],
  ] as const) {
    const source = join('/etc', file)
    writeIfChanged(join(etc, file), withEntries(source, [...entries]), statSync(source).mode & 0o777)
  }

  writeIfChanged(join(etc, 'ssh/sshd_config'), renderTemplate('lab/sshd_config.hbs', {}))
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
}
