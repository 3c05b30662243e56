// The scale benchmark's playbook (bench/scale.ts): what a fleet-wide baseline
// looks like — a few managed files and kernel parameters, each persisted and
// applied — and nothing a cheap lab host (sshd and files, no libvirtd) lacks.
//
//   kvmplay run bench/scale.play.ts -i inventory.yaml -e generation=1
//
// `generation` is in every file and picks every value, so a run with a new one
// changes each task on each host (a first run), and the same one again
// changes nothing (a no-op). Only net.* parameters: those are per network
// namespace, so each lab host has its own.
import { playbook } from 'kvmplay'
import { file, sysctl } from 'kvmplay/tasks'

export default playbook({
  name: 'fleet baseline (the scale benchmark)',
  hosts: 'hypervisors',
  tasks: (host) => {
    const generation = Number(host.vars.generation ?? 1)
    const odd = generation % 2
    const conf = '/etc/sysctl.d/90-kvmplay-baseline.conf'
    return [
      file({ path: '/etc/kvmplay/baseline.conf', content: `# managed by kvmplay\ngeneration = ${generation}\nhost = ${host.name}\n`, mode: '0644', backup: false }),
      file({ path: '/etc/kvmplay/role', content: `hypervisor ${generation}\n`, mode: '0644', backup: false }),
      file({ path: '/etc/motd', content: `${host.name}: a kvmplay-managed hypervisor (baseline ${generation})\n`, mode: '0644', backup: false }),
      sysctl({ key: 'net.ipv4.ip_forward', value: odd, file: conf }),
      sysctl({ key: 'net.ipv4.conf.all.rp_filter', value: odd ? 2 : 1, file: conf }),
      sysctl({ key: 'net.core.somaxconn', value: 4096 + generation, file: conf }),
    ]
  },
})
