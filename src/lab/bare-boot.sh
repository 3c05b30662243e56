#!/bin/sh
# Boots one bare lab host (profile bare-debian): systemd as PID 1 in its own
# root, under systemd-nspawn. Runs as boot.sh does — inside the host's own
# network namespace and a private mount and PID namespace, the only child of
# tini — so the lab finds, powers off and removes it as any other host:
# every process of it is in the host's network namespace, and its mounts live
# in this mount namespace only and go with its last process.
#
# usage: bare-boot.sh HOST_DIR HOST_NAME LAYER ROOT REPO CGROUP
# LAYER: the lab's files for bare hosts (root's authorized_keys), over ROOT,
# the cached Debian root (bare-root.ts); HOST_DIR/upper on top is the host's
# own. REPO: the local package repository, read-only in the host.
# CGROUP: this host's cgroup, relative to each hierarchy's root (bare.ts).
set -eu
host_dir=$1
host_name=$2
layer=$3
root=$4
repo=$5
cgroup=$6

# The status file, as boot.sh writes it: booting, failed: … lines, ready.
exec 3>"$host_dir/boot.status"
echo booting >&3

# One overlay over the whole root: the host's writes go to its upper dir, the
# cached root stays untouched and shared.
mnt=$host_dir/rootfs
mkdir -p "$host_dir/upper" "$host_dir/work" "$mnt"
mount -t overlay "kvmplay-bare" -o "lowerdir=$layer:$root,upperdir=$host_dir/upper,workdir=$host_dir/work" "$mnt"

# nspawn keeps state in /run/systemd/nspawn (locks, the mount propagation
# directory): a private /run keeps it off the machine's /run and ends with
# the host. It drops our copy of /run/netns as well, which would otherwise
# pin every lab namespace that existed when this host started.
if mountpoint -q /run/netns; then umount -l /run/netns; fi
mount -t tmpfs -o mode=0755,nosuid,nodev kvmplay-run /run

# --keep-unit (there is no system bus here to register a scope on: without it
# nspawn fails "Failed to open system bus") makes nspawn create its payload
# and supervisor cgroups under its own: without a cgroup of the host's own,
# every bare host would share /payload at the hierarchy's root.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then hierarchies=/sys/fs/cgroup; else hierarchies="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"; fi
for h in $hierarchies; do
	[ -d "$h" ] || continue
	mkdir -p "$h/$cgroup"
	echo $$ >"$h/$cgroup/cgroup.procs"
done

# The container's PID 1 once it runs systemd: nspawn's child named systemd
# (its first child is nspawn's own intermediate process, which forks it and
# exits: asking that one finds no systemd).
leader() {
	for _ in $(seq 200); do
		p=$(pgrep -P "$1" -x systemd | head -n 1) && [ -n "$p" ] && { echo "$p"; return 0; }
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# Boot until the host powers off: `systemctl reboot` inside ends nspawn with
# 133, and a reboot is a new boot of the same root (its /run empty again, its
# files as it persisted them); poweroff (0) or a failure ends the host.
while :; do
	# The network: the host's namespace, shared (no --private-network), where
	# the lab's veth is eth0. nspawn keeps CAP_NET_ADMIN only for a private
	# network, so it is granted: the host's own ifupdown configures eth0.
	# For the same reason it would mount all of /proc/sys read-only; the
	# namespace is the host's alone, so /proc/sys/net is writable, as nspawn
	# makes it for a private network and as a real host has it: sysctl -w
	# net.* works, and systemd-sysctl (ConditionPathIsReadWrite=/proc/sys/net/)
	# applies /etc/sysctl.d at each boot.
	SYSTEMD_NSPAWN_API_VFS_WRITABLE=network systemd-nspawn --boot --directory="$mnt" --machine="$host_name" --register=no --keep-unit \
		--capability=CAP_NET_ADMIN,CAP_NET_RAW --console=read-only --resolv-conf=off \
		--bind-ro="$repo:/srv/kvmplay-lab-repo" </dev/null &
	nspawn=$!
	started=$(date +%s%N)
	if init=$(leader $nspawn); then
		# systemd answers on its private socket once it is up; --wait then
		# blocks until the boot is finished (running or degraded).
		state=unknown
		for _ in $(seq 600); do
			state=$(timeout 90 nsenter -t "$init" -m systemctl is-system-running --wait 2>/dev/null) || true
			case $state in running | degraded | maintenance | stopping) break ;; esac
			kill -0 $nspawn 2>/dev/null || break
			sleep 0.1
		done
		echo "system: $state" >&3
		# How long the boot took, from nspawn's start to systemd's verdict (the lab's figures quote it).
		echo "$host_name: system $state $(( ($(date +%s%N) - started) / 1000000 )) ms after nspawn started" >&2
		# A failed unit does not stop a real boot: noted, as `systemctl --failed` lists it.
		nsenter -t "$init" -m systemctl --failed --plain --no-legend 2>/dev/null | while read -r unit _; do
			echo "failed: $unit (see systemctl status $unit in the host)" >&3
		done
		[ "$state" = running ] || [ "$state" = degraded ] && echo ready >&3
	fi
	rc=0
	wait $nspawn || rc=$?
	[ "$rc" = 133 ] || break
	echo "$host_name: rebooting (nspawn exit 133)" >&2
	echo booting >&3
done
echo "$host_name: powered off (nspawn exit $rc)" >&2
exit "$rc"
