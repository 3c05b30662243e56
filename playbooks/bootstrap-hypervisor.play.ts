// Bootstrap a bare Debian/Ubuntu host into a KVM hypervisor in one run: the
// virtualization packages, libvirtd enabled and running, an admin in group
// `libvirt`, vhost_net and br_netfilter at boot with bridged traffic kept out
// of the host's firewall, br0 over the uplink in the host's own network system,
// libvirt's br0 network, a `default` dir storage pool, and NAT's `default`
// destroyed unless kept. Every task is the seed's or a general one: this file
// only orders them.
//   kvmplay run playbooks/bootstrap-hypervisor.play.ts -i inventory.yaml [-e admin=ops] [-e keep_default=true]
// Vars (-e, or the inventory's):
//   admin            the user put in group libvirt, created when missing (default 'admin')
//   keep_default     true: keep libvirt's NAT network `default` (default: destroyed — guests go on br0)
//   bridge           default br0
//   install_recommends  true: apt installs recommended packages too (default false, see below)
//   network_backend  (an inventory host var) the system that keeps the host's network, where kvmplay cannot tell
import { playbook, flag, interfaceName } from 'kvmplay'
import { applyBridge, defineNetwork, destroyNetwork, groupMember, kernelModule, packages, persistBridge, service, storagePool, sysctl } from 'kvmplay/tasks'

// Bridged guests' frames must not pass the host's iptables (br_netfilter would
// send them there): the libvirt wiki's advice for bridged networking.
const NF_KEYS = ['iptables', 'ip6tables', 'arptables'].map((t) => `net.bridge.bridge-nf-call-${t}`)
const NF_FILE = '/etc/sysctl.d/90-kvmplay-bridge.conf'

export default playbook({
  name: 'bootstrap a bare host into a KVM hypervisor',
  hosts: 'hypervisors',
  tasks: (host) => {
    const bridge = interfaceName(host.vars.bridge ?? 'br0', 'bridge')
    const admin = String(host.vars.admin ?? 'admin') // groupMember checks the name
    return [
      // Without recommends: a smaller install, but no ovmf, swtpm,
      // qemu-block-extra or the firewall backends — a host that needs UEFI
      // guests or TPMs sets install_recommends=true (or adds the packages).
      // The lab's local repository carries exactly these packages' closure.
      packages({
        names: ['qemu-system-x86', 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients', 'bridge-utils'],
        installRecommends: flag(host.vars.install_recommends ?? false, 'install_recommends'),
      }),
      service({ unit: 'libvirtd', enabled: true, state: 'started' }),
      groupMember({ user: admin, group: 'libvirt', create: true }),
      // 'persist': a kernel that loads no modules now (a container's) still gets
      // the modules-load.d files its next real boot reads; a real host loads them.
      kernelModule({ module: 'vhost_net', onUnloadable: 'persist' }),
      kernelModule({ module: 'br_netfilter', onUnloadable: 'persist' }),
      // The keys exist only with br_netfilter loaded; where it could not be,
      // the file is written for boot (systemd-sysctl runs after modules-load).
      ...NF_KEYS.map((key) => sysctl({ key, value: 0, file: NF_FILE, ifMissing: 'persist' })),
      persistBridge({ bridge }),
      applyBridge({ bridge }),
      defineNetwork({ name: bridge, forward: 'bridge', bridge }),
      storagePool({ name: 'default', type: 'dir', target: '/var/lib/libvirt/images' }),
      ...(flag(host.vars.keep_default ?? false, 'keep_default') ? [] : [destroyNetwork({ network: 'default' })]),
    ]
  },
})
