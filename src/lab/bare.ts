/**
 * A bare lab host (profile bare-debian): what differs from the lab's other
 * hosts, which share the machine's /usr. Its root is the cached Debian root
 * (bare-root.ts) and its init is systemd under systemd-nspawn (bare-boot.sh);
 * this file has its layers, its boot command and its cleanup.
 *
 * Layers, bottom up: the cached root; the lab's bare layer (root's
 * authorized_keys for the lab's key: the same for every bare host of the
 * lab, and nothing of the machine's — no passwd, no sshd drop-in, sshd runs
 * as Debian configures it, root logging in with a key on port 22); the
 * host's upper dir (its name, addresses, host keys, machine-id,
 * /etc/network/interfaces, as host.ts writes them for every profile).
 */
import { existsSync, mkdirSync, chmodSync, readdirSync, rmdirSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../paths.ts'
import { ensureLabKey } from './base.ts'
import { writeIfChanged } from './files.ts'
import { hostPaths } from './state.ts'
import type { Lab } from './state.ts'
import type { BareRoot } from './bare-root.ts'

export const BARE_BOOT_SCRIPT = join(PACKAGE_ROOT, 'src', 'lab', 'bare-boot.sh')

export const bareLayer = (lab: Lab) => join(lab.dir, 'bare-layer')

/** The lab's layer of every bare host: root's authorized_keys (root's home as Debian has it, 0700). */
export async function buildBareLayer(lab: Lab): Promise<string> {
  const layer = bareLayer(lab)
  const pub = await ensureLabKey(lab)
  mkdirSync(join(layer, 'root/.ssh'), { recursive: true })
  chmodSync(join(layer, 'root'), 0o700)
  chmodSync(join(layer, 'root/.ssh'), 0o700)
  writeIfChanged(join(layer, 'root/.ssh/authorized_keys'), pub, 0o600)
  return layer
}

/** The host's cgroup, relative to each hierarchy's root: its nspawn's payload and supervisor go under it. */
export const bareCgroup = (lab: Lab, host: string) => `kvmplay-lab/${lab.name}-${host}`

/** boot.sh's place in the host's init command line: the bare boot script and its arguments. */
export function bareBootArgs(lab: Lab, host: string, bare: BareRoot): string[] {
  return [BARE_BOOT_SCRIPT, hostPaths(lab.dir, host).root, host, bareLayer(lab), bare.root, bare.repo, bareCgroup(lab, host)]
}

const CGROUP_ROOT = '/sys/fs/cgroup'
const CGROUP2_MAGIC = 0x63677270

function hierarchies(): string[] {
  if (statfsSync(CGROUP_ROOT).type === CGROUP2_MAGIC) return [CGROUP_ROOT]
  return ['systemd', 'unified'].map((h) => join(CGROUP_ROOT, h)).filter((h) => existsSync(h))
}

/** Removes the host's (empty: its processes are gone) cgroups, deepest first; leaves kvmplay-lab/ when others use it. */
export function removeBareCgroups(lab: Lab, host: string): void {
  const removeTree = (dir: string): void => {
    if (!existsSync(dir)) return
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name))
    rmdirSync(dir)
  }
  for (const h of hierarchies()) {
    removeTree(join(h, bareCgroup(lab, host)))
    try {
      rmdirSync(join(h, 'kvmplay-lab'))
    } catch {
      // another bare host still has its cgroup there, or it is gone already
    }
  }
}
