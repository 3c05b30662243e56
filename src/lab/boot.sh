#!/bin/sh
# Boots one lab host. Runs inside the host's own network, mount, PID, UTS and
# IPC namespaces as the only child of tini (PID 1, which reaps orphans). It
# builds the host's view of the filesystem, lets the host's own network system
# (its profile's) bring the uplink up, starts sshd and libvirtd, defines the
# lab's guests on first boot, reports "ready" and then holds the host up:
# killing this script (or PID 1) powers the host off. A reboot is this script
# again on the same host directory, with /run empty.
#
# usage: boot.sh HOST_DIR HOST_NAME BASE_DIR [SYSTEM]
# SYSTEM is the network system of the host's profile (none, network-scripts,
# networkmanager, ifupdown, netplan, networkd, netplan-networkd, ifupdown2), or
# bastion / sshd-only for a host that is its sshd alone.
set -eu
host_dir=$1
host_name=$2
base=$3
system=${4:-none}

# The status file stays reachable through this descriptor after /tmp (where
# the lab directory usually is) is covered by the host's private tmpfs.
exec 3>"$host_dir/boot.status"
echo booting >&3

# The guests' stand-in scripts, where the host will see them: kvmplay's sources
# may sit under /tmp too (a clone there), which the host's /tmp hides.
src=$(dirname "$0")
mkdir -p "$host_dir/upper/usr/local/lib/kvmplay-lab"
cp "$src/guests.sh" "$src/udhcpc.sh" "$host_dir/upper/usr/local/lib/kvmplay-lab/"

# Copy-on-write over everything a host writes: the machine's files are the
# lowest layer, the lab's base layer sits on them, the host's upper dir on top.
for d in etc usr var root home opt srv; do
	[ -d "/$d" ] || continue
	lower="/$d"
	[ -d "$base/$d" ] && lower="$base/$d:/$d"
	mkdir -p "$host_dir/upper/$d" "$host_dir/work/$d"
	# The upper dir is the mount's root: it must look like the machine's (/root is 0700).
	chmod --reference="/$d" "$host_dir/upper/$d"
	chown --reference="/$d" "$host_dir/upper/$d"
	mount -t overlay "kvmplay-$d" -o "lowerdir=$lower,upperdir=$host_dir/upper/$d,workdir=$host_dir/work/$d" "/$d"
done

# Our copy of /run/netns pins every lab namespace that existed when this host
# started; drop it, or `lab down` of another host could not free its namespace.
if mountpoint -q /run/netns; then umount -l /run/netns; fi
mount -t tmpfs -o mode=0755,nosuid,nodev kvmplay-run /run
mount -t tmpfs -o mode=1777,nosuid,nodev kvmplay-tmp /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev kvmplay-shm /dev/shm
# sysfs of this network namespace (libvirt reads /sys/class/net), read-only;
# /proc/sys read-only except the per-namespace net.* knobs.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys
mount --bind /proc/sys /proc/sys
mount -o remount,bind,ro /proc/sys
mount --bind /proc/sys/net /proc/sys/net
mount -o remount,bind,rw /proc/sys/net

hostname "$host_name"
ip link set lo up

# What systemd-sysctl does early at every boot: the persisted kernel
# parameters (/etc/sysctl.d, /etc/sysctl.conf, /usr/lib/sysctl.d), by procps's
# own reader. In a lab host only the per-namespace net.* ones can take; the
# machine-wide rest is read-only here, fails and is left in the log.
sysctl --system >/var/log/sysctl.log 2>&1 || true

# The uplink, from the host's own persisted files. On none the lab configured
# eth0 from outside before this script started (a host with no network
# system), so nothing runs here for it.
fail_uplink() {
	echo "$host_name (network system $system): $1" >&2
	[ -z "${2:-}" ] || [ ! -f "$2" ] || { echo "--- tail of $2:" >&2; tail -n 12 "$2" >&2; }
	exit 1
}
# A network unit that fails does not stop a real boot: network.target is
# reached all the same and sshd starts, whatever state the unit left. So here:
# noted, as `systemctl --failed` would list it (the lab reports it), and on.
unit_failed() {
	echo "$host_name (network system $system): $1 failed, the boot goes on (see $2 in the host)" >&2
	echo "failed: $1 (see $2 in the host)" >&3
}
wait_uplink() {
	tries=0
	until [ -n "$(ip -4 route show default)" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 300 ] || fail_uplink "the uplink got no default route within 30 s from the host's own network system" "$1"
		sleep 0.1
	done
}
start_networkmanager() {
	NetworkManager --debug >/var/log/NetworkManager.log 2>&1 &
}
# systemd-networkd.service as Debian's systemd ships it: its RuntimeDirectory
# /run/systemd/netif, its user's, then the daemon. Started as root, it drops
# to that user itself keeping CAP_NET_ADMIN, CAP_NET_BIND_SERVICE,
# CAP_NET_BROADCAST and CAP_NET_RAW (what the unit's User= and
# AmbientCapabilities= give it), makes netif/links, leases and lldp, and takes
# org.freedesktop.network1 on the system bus (networkctl reload, reconfigure,
# …). /sys is read-only here, so it does not wait for udev to initialize
# links (its test for a container); no journal: it logs to stderr, kept in
# /var/log/systemd-networkd.log. Restart it: kill the PID of
# systemd-networkd, then this again.
start_networkd() {
	mkdir -p /run/systemd/netif
	chown systemd-network:systemd-network /run/systemd/netif
	/lib/systemd/systemd-networkd >/var/log/systemd-networkd.log 2>&1 &
}

# The system D-Bus of every full host, started early as dbus.service is:
# NetworkManager is on it, and libvirtd asks polkit there whether a client
# that is not root may manage it (libvirtd.conf as Debian ships it). The bus
# starts polkitd on demand (D-Bus activation, through its setuid launch helper).
case $system in bastion | sshd-only) ;; *)
	mkdir -p /run/dbus
	dbus-daemon --system --fork
	;;
esac

case $system in
none | bastion | sshd-only) ;;
network-scripts)
	# CentOS 7's network.service: its own scripts (in the host's /etc, from
	# src/lab/network-scripts) bring up every ifcfg file with ONBOOT=yes. What
	# CentOS has beside them: ifup/ifdown are the scripts, Red Hat's ipcalc
	# (Debian's ipcalc-ng), arping in /sbin, /bin/sh is bash; and the run-time
	# directories its tmpfiles.d makes.
	ln -sf /etc/sysconfig/network-scripts/ifup /usr/sbin/ifup
	ln -sf /etc/sysconfig/network-scripts/ifdown /usr/sbin/ifdown
	ln -sf ipcalc-ng /usr/bin/ipcalc
	ln -sf /usr/bin/arping /usr/sbin/arping
	ln -sf bash /usr/bin/sh
	mkdir -p /run/netreport /run/lock/subsys
	/etc/rc.d/init.d/network start >/var/log/network.log 2>&1 || unit_failed network.service /var/log/network.log
	wait_uplink /var/log/network.log
	;;
networkmanager)
	start_networkmanager
	wait_uplink /var/log/NetworkManager.log
	;;
netplan)
	# netplan apply/try need systemd; generate writes NetworkManager's keyfiles
	# into /run/NetworkManager/system-connections, which NetworkManager reads.
	log=/var/log/NetworkManager.log
	netplan generate >/var/log/netplan.log 2>&1 || { unit_failed "netplan generate" /var/log/netplan.log && log=/var/log/netplan.log; }
	start_networkmanager
	wait_uplink $log
	;;
networkd)
	start_networkd
	wait_uplink /var/log/systemd-networkd.log
	;;
netplan-networkd)
	# Ubuntu Server's boot: netplan's systemd generator (`netplan generate`)
	# renders /etc/netplan into /run/systemd/network early, then
	# systemd-networkd brings it up.
	log=/var/log/systemd-networkd.log
	netplan generate >/var/log/netplan.log 2>&1 || { unit_failed "netplan generate" /var/log/netplan.log && log=/var/log/netplan.log; }
	start_networkd
	wait_uplink $log
	;;
ifupdown2)
	# ifupdown2's networking.service, as its package installs it in the host
	# (src/lab/ifupdown2.ts): its EnvironmentFile, then its ExecStart, which
	# brings up the `auto` interfaces (ifup -a) and the `allow-hotplug` ones
	# that are present itself. State in /run/network and /var/tmp/network
	# (the script drops the latter's at boot, when the former has no lock).
	(
		set -a
		. /etc/default/networking
		exec /usr/share/ifupdown2/sbin/start-networking start
	) >/var/log/networking.log 2>&1 || unit_failed "networking.service (ifupdown2)" /var/log/networking.log
	wait_uplink /var/log/networking.log
	;;
ifupdown)
	# What Debian's boot does: networking.service brings up the `auto`
	# interfaces (ifup -a), and udev, for each NIC present, the `allow-hotplug`
	# ones (its ifupdown helper starts ifup@IFACE.service: ifup --allow=hotplug),
	# as the installer writes the uplink. No udev runs here, so the boot replays
	# what its coldplug would, for each interface present.
	mkdir -p /run/network
	ifup -a --read-environment >/var/log/ifup.log 2>&1 || unit_failed "networking.service (ifup -a)" /var/log/ifup.log
	for dev in /sys/class/net/*; do
		dev=${dev##*/}
		[ "$dev" != lo ] && [ -n "$(ifquery --allow hotplug -l "$dev" 2>/dev/null)" ] || continue
		ifup --allow=hotplug "$dev" >>/var/log/ifup.log 2>&1 || unit_failed "ifup@$dev.service" /var/log/ifup.log
	done
	wait_uplink /var/log/ifup.log
	;;
*) fail_uplink "unknown network system" ;;
esac

mkdir -p /run/sshd /run/libvirt /var/log/libvirt /var/lib/libvirt/images
/usr/sbin/sshd -E /var/log/sshd.log
# A bastion (bastion.ts) and a cheap host (lab up --cheap, configured from
# outside like none) are their sshd and nothing else.
case $system in bastion | sshd-only)
	echo ready >&3
	exec sleep infinity
	;;
esac
# Its log where the journal would keep it (libvirtd.conf stays Debian's).
LIBVIRT_LOG_OUTPUTS="3:file:/var/log/libvirt/libvirtd.log" /usr/sbin/libvirtd --daemon

# libvirtd answers once its drivers are up (and `default` is autostarted).
tries=0
until virsh -q net-list >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ "$tries" -lt 300 ] || { echo "libvirtd did not answer within 30 s" >&2; exit 1; }
	sleep 0.1
done

# First boot: the guests that were created before the switch to a bridge, the
# running ones autostarted as on a production hypervisor. Later boots (a
# reboot) leave them to libvirtd, which autostarts networks and guests itself.
provision=/var/lib/kvmplay-lab
if [ ! -e "$provision/provisioned" ]; then
	for xml in "$provision"/domains/*.xml; do
		[ -e "$xml" ] || continue
		name=$(basename "$xml" .xml)
		virsh -q dominfo "$name" >/dev/null 2>&1 || virsh -q define "$xml" >/dev/null
	done
	# Static DHCP entries of `default` for the lab's static guests (lab up --guests).
	if [ -f "$provision/static-hosts" ]; then
		while read -r entry; do
			[ -n "$entry" ] || continue
			virsh -q net-update default add ip-dhcp-host "$entry" --live --config >/dev/null
		done <"$provision/static-hosts"
	fi
	if [ -f "$provision/running" ]; then
		while read -r name; do
			[ -n "$name" ] || continue
			[ "$(virsh -q domstate "$name")" = running ] || virsh -q "start $name; autostart $name" >/dev/null
		done <"$provision/running"
	fi
	: >"$provision/provisioned"
else
	tries=0
	while [ -n "$(virsh -q list --autostart --inactive --name; virsh -q net-list --autostart --inactive --name)" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || { echo "$host_name: libvirtd did not autostart every autostarted guest and network within 20 s" >&2; break; }
		sleep 0.1
	done
fi

# The stand-ins of the guests' NICs (lab up --guests, guests.sh), at every boot:
# they live in memory only, as a guest's DHCP client does.
if [ -s "$provision/standins" ]; then
	/bin/sh /usr/local/lib/kvmplay-lab/guests.sh "$provision/standins" >/var/log/kvmplay-guests.log 2>&1 ||
		{ echo "$host_name: the guests' stand-ins did not come up:" >&2; cat /var/log/kvmplay-guests.log >&2; exit 1; }
fi

echo ready >&3
exec sleep infinity
