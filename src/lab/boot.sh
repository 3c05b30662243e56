#!/bin/sh
# Boots one lab host. Runs inside the host's own network, mount, PID, UTS and
# IPC namespaces as the only child of tini (PID 1, which reaps orphans). It
# builds the host's view of the filesystem, starts sshd and libvirtd, defines
# the lab's guests on first boot, reports "ready" and then holds the host up:
# killing this script (or PID 1) powers the host off.
#
# usage: boot.sh HOST_DIR HOST_NAME BASE_DIR
set -eu
host_dir=$1
host_name=$2
base=$3

# The status file stays reachable through this descriptor after /tmp (where
# the lab directory usually is) is covered by the host's private tmpfs.
exec 3>"$host_dir/boot.status"
echo booting >&3

# Copy-on-write over everything a host writes: the machine's files are the
# lowest layer, the lab's base layer sits on them, the host's upper dir on top.
for d in etc usr var root home opt srv; do
	[ -d "/$d" ] || continue
	lower="/$d"
	[ -d "$base/$d" ] && lower="$base/$d:/$d"
	mkdir -p "$host_dir/upper/$d" "$host_dir/work/$d"
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

mkdir -p /run/sshd /run/libvirt /var/log/libvirt /var/lib/libvirt/images
/usr/sbin/sshd -E /var/log/sshd.log
/usr/sbin/libvirtd --daemon

# libvirtd answers once its drivers are up (and `default` is autostarted).
tries=0
until virsh -q net-list >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ "$tries" -lt 300 ] || { echo "libvirtd did not answer within 30 s" >&2; exit 1; }
	sleep 0.1
done

# First boot: the guests that were created before the switch to a bridge.
provision=/var/lib/kvmplay-lab
for xml in "$provision"/domains/*.xml; do
	[ -e "$xml" ] || continue
	name=$(basename "$xml" .xml)
	virsh -q dominfo "$name" >/dev/null 2>&1 || virsh -q define "$xml" >/dev/null
done
if [ -f "$provision/running" ]; then
	while read -r name; do
		[ -n "$name" ] || continue
		[ "$(virsh -q domstate "$name")" = running ] || virsh -q start "$name" >/dev/null
	done <"$provision/running"
fi

echo ready >&3
exec sleep infinity
