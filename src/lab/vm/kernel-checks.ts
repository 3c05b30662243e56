/**
 * What the VM is for, proved inside it with the system's own tools: the
 * kernel features the machine's kernel lacks (issue 32). One shell script,
 * run over one SSH connection (each connection costs seconds of key exchange
 * under TCG); it leaves nothing behind, so it can run again on the same boot.
 *
 * - bonding with max_bonds=0: otherwise the module creates a bond0 of its own.
 * - bond0 active-backup with miimon over two dummies (their carrier is up),
 *   a VLAN 10 on the bond, a bridge over the VLAN: the shape a datacenter
 *   uplink has (vmbr0 over bond0.10).
 * - openvswitch loads (its userspace is not in the image yet).
 */
export const KERNEL_CHECK_SCRIPT = `set -eu
modprobe bonding max_bonds=0
modprobe 8021q
modprobe dummy numdummies=0
ip link add bond0 type bond mode active-backup miimon 100
ip link add kvd0 type dummy
ip link add kvd1 type dummy
ip link set kvd0 master bond0
ip link set kvd1 master bond0
ip link set bond0 up
ip link add link bond0 name bond0.10 type vlan id 10
ip link add br10 type bridge
ip link set bond0.10 master br10
ip link set bond0.10 up
ip link set br10 up
modprobe openvswitch
echo "== bonding"; cat /proc/net/bonding/bond0
echo "== vlan"; ip -d -o link show bond0.10
echo "== bridge"; ip -o link show master br10
echo "== modules"; lsmod | awk 'NR>1 {print $1}' | grep -xE 'bonding|8021q|openvswitch|bridge|dummy' | sort
ip link del br10; ip link del bond0.10; ip link del bond0; ip link del kvd0; ip link del kvd1
`

/** The facts the checks' output must show. */
export const KERNEL_CHECK_EXPECT: RegExp[] = [
  /^Bonding Mode: fault-tolerance \(active-backup\)$/m,
  /^MII Polling Interval \(ms\): 100$/m,
  /^Slave Interface: kvd0$/m,
  /^Slave Interface: kvd1$/m,
  /^Currently Active Slave: kvd[01]$/m,
  /bond0\.10@bond0: .* vlan protocol 802\.1Q id 10 /,
  /bond0\.10@bond0: .* master br10 /,
  /^8021q\nbonding\nbridge\ndummy\nopenvswitch$/m,
]
