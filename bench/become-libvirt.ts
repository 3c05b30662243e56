/**
 * libvirt under become, two ways, on one lab host logged in to as a sudo
 * user: the RPC session through virt-ssh-helper on an escalated channel
 * (what kvmplay does) against virsh run in the escalated shell (the
 * fallback). Each: open and one call (list networks), then one more call.
 *   node --import tsx bench/become-libvirt.ts ADDRESS [ROUNDS=10]   (lab up --login sudo first; under the lab lock)
 */
import { readFileSync } from 'node:fs'
import { connectSsh } from '../src/connection/ssh.ts'
import { libvirtSession, dropLibvirtSession } from '../src/libvirt/remote.ts'
import type { SshTarget } from '../src/connection/target.ts'

const [address = '198.19.1.2', rounds = '10'] = process.argv.slice(2)
const dir = '/tmp/kvmplay-test'
const t: SshTarget = {
  kind: 'ssh', host: 'bench', address, port: 22, user: 'kvsudo', identityFiles: [`${dir}/id_ed25519`], identitiesOnly: true, knownHostsFiles: [`${dir}/known_hosts`],
  acceptNewHostKeys: false, connectTimeoutMs: 5000, commandTimeoutMs: 30000, keepaliveIntervalMs: 5000, keepaliveCountMax: 3, jumps: [],
  become: { method: 'sudo', user: 'root', password: readFileSync(`${dir}/become-password`, 'utf8').trim() },
}
const ms = (t0: number) => performance.now() - t0
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
async function measure(label: string, target: SshTarget) {
  const t0 = performance.now()
  const conn = await connectSsh(target)
  const connectMs = ms(t0)
  const open: number[] = []
  const call: number[] = []
  const virsh: number[] = []
  for (let i = 0; i < Number(rounds); i++) {
    let t1 = performance.now()
    const s = (await libvirtSession(conn, 'ro'))!
    await s.listNetworks()
    open.push(ms(t1))
    t1 = performance.now()
    await s.listNetworks()
    call.push(ms(t1))
    dropLibvirtSession(conn, 'ro', s)
    t1 = performance.now()
    const r = await conn.exec('virsh -q net-list --all --name')
    if (r.code !== 0) throw new Error(r.stderr)
    virsh.push(ms(t1))
  }
  await conn.close()
  console.log(`${label}: connect ${connectMs.toFixed(0)} ms; libvirt session open + first call median ${median(open).toFixed(1)} ms, further call ${median(call).toFixed(2)} ms; virsh in the shell ${median(virsh).toFixed(1)} ms a call`)
}

await measure('root, forwarded socket (port 2222)', { ...t, port: 2222, user: 'root', become: undefined })
await measure('kvsudo + sudo (password), virt-ssh-helper relay', t)
