/** `kvmplay lab …`: the yargs face of src/lab/lab.ts. */
import { spawnSync } from 'node:child_process'
import type { Argv, CommandModule } from 'yargs'
import { EXIT } from '../core/exit-codes.ts'

// The lab's modules (and zx) load only when a lab command runs: `kvmplay run`
// starts ~0.15 s sooner without them.
const labModules = async () => ({
  ...(await import('../lab/lab.ts')),
  ...(await import('../lab/host.ts')),
  ...(await import('../lab/addressing.ts')),
  ...(await import('../lab/preflight.ts')),
})

interface LabArgs {
  name?: string
  dir?: string
  net?: string
}

const labOptions = (y: Argv) =>
  y
    .option('name', {
      type: 'string',
      describe: 'Lab name: several labs can run side by side (env KVMPLAY_LAB)',
      defaultDescription: 'lab',
    })
    .option('dir', {
      type: 'string',
      describe: 'State directory of the lab (env KVMPLAY_LAB_DIR)',
      defaultDescription: '/tmp/kvmplay-NAME',
    })
    .option('net', {
      type: 'string',
      choices: ['198.18', '198.19'],
      describe: "The /16 of 198.18.0.0/15 the lab's hosts are addressed from (env KVMPLAY_LAB_NET)",
      defaultDescription: '198.18',
    })

/** Lab failures that are the user's to fix map to BAD_INPUT; preflight says how. */
async function guarded(fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch (err) {
    const { PreflightError } = await labModules()
    const e = err as Error & { exitCode?: number }
    e.exitCode ??= err instanceof PreflightError || /^invalid /.test(e.message) ? EXIT.BAD_INPUT : EXIT.ERROR
    throw e
  }
}

type UpArgs = LabArgs & { count: number; json?: boolean; profile?: string; dhcp?: boolean; jump?: number; login?: string; guests?: string; cheap?: boolean; runningGuests?: boolean }

const up: CommandModule<LabArgs, UpArgs> = {
  command: 'up [count]',
  describe: 'Bring up (or repair) a fleet of COUNT simulated hypervisors h1..hCOUNT',
  builder: (y) =>
    labOptions(y as Argv<LabArgs>)
      .positional('count', { type: 'number', default: 3, describe: 'Number of hosts (1–254, up to 1000 with --cheap); extra hosts are removed' })
      .option('profile', {
        type: 'string',
        describe:
          "How hosts keep their network: none, network-scripts (CentOS 7's installer's ifcfg), networkmanager (RHEL 9's installer's keyfile), ifupdown (as an admin writes it), ifupdown-installer (Debian's installer: allow-hotplug), ifupdown-cloud (a Debian cloud image: cloud-init's interfaces.d/50-cloud-init), netplan (as an admin writes it), netplan-installer (Ubuntu's installer's 00-installer-config.yaml), netplan-cloud (cloud-init's 50-cloud-init.yaml), networkd (systemd-networkd: /etc/systemd/network/10-eth0.network), netplan-networkd-installer and netplan-networkd-cloud (Ubuntu Server: netplan on networkd, subiquity's or cloud-init's file), ifupdown2 (eth0 in /etc/network/interfaces, ifupdown2 installed in the host), proxmox (ifupdown2 with vmbr0 over eth0, as Proxmox VE's installer writes it), bare-debian (a bare Debian 12 server of its own: own root and dpkg, systemd as PID 1, no qemu or libvirt, packages from the lab's local repository); a comma-separated list makes a mixed fleet (round-robin h1, h2, …). A host whose profile changes is rebuilt",
        defaultDescription: 'the last one given, else none',
      })
      .option('dhcp', {
        type: 'boolean',
        describe:
          "Hosts' own network system takes eth0's address by DHCP, from the lab's dnsmasq (on the lab's veths only, no DNS): always the host's lab address. networkmanager and netplan only; --no-dhcp goes back to static. A host whose choice changes is rebuilt",
        defaultDescription: 'the last one given, else static',
      })
      .option('jump', {
        type: 'number',
        describe:
          "Put the hosts behind jump hosts: 1 (bastion j1) or 2 (j1, then j2), sshd-only lab hosts of their own; the machine reaches only j1, and the ssh_config and inventory go through them (ProxyJump). 0 goes back to direct; a change rebuilds every host",
        defaultDescription: 'the last one given, else 0',
      })
      .option('login', {
        type: 'string',
        describe:
          "Whom the inventory logs in as: root, or a login user that escalates with sudo (password: the lab's become-password file), sudo-nopasswd, doas or su; a comma-separated list: round-robin. Any but root closes port 22 to root (PermitRootLogin no); root keeps port 2222 for the lab's ssh_config",
        default: "root",
      })
      .option('guests', {
        type: 'string',
        describe:
          "Running guests whose NIC has a stand-in that asks for its NAT address, by kind: lease (DHCP from default's dnsmasq), static (DHCP, with a <host> entry in default), inside (address configured in the guest, no DHCP); vm1 takes the first, vm3, vm4, … the others. none: today's lab. A host whose list changes is rebuilt",
        defaultDescription: 'the last one given, else none',
      })
      .option('running-guests', {
        type: 'boolean',
        describe:
          'Whether vm1 runs (autostarted, as on a busy hypervisor). --no-running-guests defines the guests but starts none, as on a hypervisor whose guests are all shut off; not with --guests. A host whose choice changes is rebuilt',
        defaultDescription: 'the last one given, else running',
      })
      .option('cheap', {
        type: 'boolean',
        describe:
          'Cheap hosts for scale runs: sshd and files only (no libvirtd, no guests, profile none), one /30 each, up to 1000 hosts; for playbooks of file, sysctl and command tasks. --no-cheap goes back to full hosts; a change rebuilds every host',
        defaultDescription: 'the last one given, else full hosts',
      })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' }) as Argv<UpArgs>,
  handler: (args) =>
    guarded(async () => {
      const { labUp } = await labModules()
      const res = await labUp(args.count, args, args.json ? undefined : (line) => console.error(line))
      if (args.json) {
        console.log(JSON.stringify(res, null, 2))
        return
      }
      const kept = res.hosts.filter((h) => h.action === 'kept').length
      console.log(`lab '${res.lab.name}': ${res.hosts.length} hosts up in ${res.seconds.toFixed(1)} s (${kept} kept, ${res.hosts.length - kept} started)`)
      console.log(`inventory:   ${res.inventory}`)
      console.log(`known_hosts: ${res.knownHosts}`)
      console.log(`ssh config:  ${res.sshConfig}    (ssh -F ${res.sshConfig} h1)`)
    }),
}

const down: CommandModule<LabArgs, LabArgs> = {
  command: 'down',
  describe: 'Remove every host, namespace, veth, mount, process and file of the lab',
  builder: (y) => labOptions(y as Argv<LabArgs>) as Argv<LabArgs>,
  handler: (args) =>
    guarded(async () => {
      const { labDown } = await labModules()
      const res = await labDown(args)
      console.log(`lab '${res.lab.name}': removed ${res.removed.length} hosts and ${res.lab.dir}`)
    }),
}

const status: CommandModule<LabArgs, LabArgs & { json?: boolean }> = {
  command: 'status',
  describe: "Show each host's state, address, MAC and memory",
  builder: (y) =>
    labOptions(y as Argv<LabArgs>).option('json', { type: 'boolean', describe: 'Print as JSON' }) as Argv<LabArgs & { json?: boolean }>,
  handler: (args) =>
    guarded(async () => {
      const { labStatus, hostMemoryKiB, hostPlan } = await labModules()
      const res = await labStatus(args)
      const rows = await Promise.all(
        res.hosts.map(async (h) => {
          const mem = h.state === 'down' ? { pss: 0, rss: 0 } : await hostMemoryKiB(hostPlan(res.lab, Number(h.name.slice(1))))
          return { ...h, pssMiB: Math.round(mem.pss / 102.4) / 10 }
        }),
      )
      if (args.json) {
        console.log(JSON.stringify({ lab: res.lab, hosts: rows, bastions: res.bastions }, null, 2))
        return
      }
      if (rows.length === 0) {
        console.log(`lab '${res.lab.name}' (${res.lab.dir}) has no hosts: kvmplay lab up N`)
        return
      }
      console.log(`lab '${res.lab.name}' (${res.lab.dir})`)
      console.log('HOST   STATE     PROFILE                      ADDRESS          MAC                PID      MEMORY')
      for (const r of rows) {
        const mem = r.pssMiB ? `${r.pssMiB} MiB` : '-'
        const profile = `${r.profile}${r.dhcp ? ' dhcp' : ''}${r.guestsStopped ? ' guests-off' : ''}`
        console.log(
          `${r.name.padEnd(6)} ${r.state.padEnd(9)} ${profile.padEnd(28)} ${r.address.padEnd(16)} ${r.mac}  ${String(r.pid ?? '-').padEnd(8)} ${mem}${r.detail ? `  (${r.detail})` : ''}`,
        )
      }
      for (const b of res.bastions) console.log(`jump host ${b.name}: ${b.running ? 'running' : 'NOT running (kvmplay lab up rebuilds it)'}, ${b.address} (the hosts are reached only through ${res.bastions.map((x) => x.name).join(' > ')})`)
      if (res.dhcpServer) {
        console.log(res.dhcpServer.pid ? `DHCP server: dnsmasq, PID ${res.dhcpServer.pid} (on the lab's veths only, no DNS; the guests' LAN reservations: files in ${res.dhcpServer.lanReservations}/, format dnsmasq-hosts)` : 'DHCP server: NOT running (kvmplay lab up restarts it)')
      }
    }),
}

const stop: CommandModule<LabArgs, LabArgs & { hosts: string[] }> = {
  command: 'stop <hosts..>',
  describe: 'Power hosts off as a crash would (they become unreachable); `lab up` rebuilds them',
  builder: (y) =>
    labOptions(y as Argv<LabArgs>).positional('hosts', { type: 'string', array: true, demandOption: true, describe: 'Host names, e.g. h2 h3' }) as Argv<LabArgs & { hosts: string[] }>,
  handler: (args) =>
    guarded(async () => {
      const { labStop } = await labModules()
      await labStop(args.hosts, args)
      console.log(`powered off: ${args.hosts.join(' ')}`)
    }),
}

const reboot: CommandModule<LabArgs, LabArgs & { hosts?: string[]; all?: boolean; json?: boolean }> = {
  command: 'reboot [hosts..]',
  describe: "Power-cycle hosts: every process ends, the network loses what only lived in memory, and each boots again from its own persisted files",
  builder: (y) =>
    labOptions(y as Argv<LabArgs>)
      .positional('hosts', { type: 'string', array: true, describe: 'Host names, e.g. h1 h2' })
      .option('all', { type: 'boolean', describe: 'Reboot every host of the lab' })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' }) as Argv<LabArgs & { hosts?: string[]; all?: boolean; json?: boolean }>,
  handler: (args) =>
    guarded(async () => {
      const { labReboot } = await labModules()
      const res = await labReboot(args.hosts ?? [], args)
      if (args.json) console.log(JSON.stringify(res, null, 2))
      else for (const h of res.hosts) console.log(`${h.name}: ${h.ok ? 'rebooted' : 'FAILED'} in ${h.seconds.toFixed(1)} s (profile ${h.profile})${h.failedUnits ? `; failed (the boot went on): ${h.failedUnits.join('; ')}` : ''}${h.error ? `\n  ${h.error.replace(/\n/g, '\n  ')}` : ''}`)
      if (res.hosts.some((h) => !h.ok)) process.exitCode = EXIT.ERROR
    }),
}

const ssh: CommandModule<LabArgs, LabArgs & { host: string; cmd?: string[] }> = {
  command: 'ssh <host> [cmd..]',
  describe: 'Open a shell on a lab host, or run CMD there (strict host-key checking)',
  builder: (y) =>
    labOptions(y as Argv<LabArgs>)
      .positional('host', { type: 'string', demandOption: true, describe: 'Host name, e.g. h1' })
      .positional('cmd', { type: 'string', array: true, describe: 'Command to run instead of a shell' })
      .example('$0 lab ssh h1', 'log in to h1')
      .example("$0 lab ssh h2 'virsh net-list --all'", "list h2's libvirt networks (quoted: options after the host are kvmplay's otherwise)") as Argv<LabArgs & { host: string; cmd?: string[] }>,
  handler: (args) =>
    guarded(async () => {
      const { labHost, sshArgs } = await labModules()
      const { lab, host } = await labHost(args.host, args)
      const res = spawnSync('ssh', sshArgs(lab, host, args.cmd ?? []), { stdio: 'inherit' })
      process.exitCode = res.status ?? EXIT.ERROR
    }),
}

export const labCommand: CommandModule = {
  command: 'lab <command>',
  describe: 'Throwaway simulated hypervisors on this machine (namespaces, sshd, libvirtd)',
  builder: (y) =>
    y
      .command(up as unknown as CommandModule)
      .command(down as unknown as CommandModule)
      .command(status as unknown as CommandModule)
      .command(stop as unknown as CommandModule)
      .command(reboot as unknown as CommandModule)
      .command(ssh as unknown as CommandModule)
      .demandCommand(1, 'Name a lab command: up, down, status, stop, reboot or ssh')
      .example('$0 lab up 5', 'five hypervisors h1..h5 on 198.18.1-5.2')
      .example('$0 lab up 3 --profile networkmanager,ifupdown,netplan', 'a mixed fleet: each host keeps its network its own way')
      .example('$0 lab up 3 --profile ifupdown-cloud,netplan-cloud,networkmanager --no-running-guests', 'cloud-image and installer layouts, guests defined but none running')
      .example('$0 lab up 1 --guests lease,static,inside', "guests vm1, vm3, vm4 take their NAT addresses as a lease, by a static entry, and from inside")
      .example('$0 lab up 500 --cheap --name scale --net 198.18', 'five hundred cheap hosts (sshd and files only) for a scale run')
      .example('$0 lab up 3 --login sudo', 'root may not log in on port 22: the inventory logs in as kvsudo and escalates with sudo')
      .example('$0 lab reboot h1', 'power-cycle h1; it comes back from its persisted files alone')
      .example("$0 lab ssh h1 'virsh list --all'", 'run a command on h1')
      .example('$0 lab down', 'remove everything the lab created'),
  handler: () => {},
}
