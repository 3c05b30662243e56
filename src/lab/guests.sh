#!/bin/sh
# The stand-ins for the lab's guest NICs (guests.ts), inside one lab host:
# for each line of LIST (DOMAIN KIND MAC ADDRESS|- GATEWAY) a network
# namespace `kvg-DOMAIN` whose eth0 carries the guest's MAC, its other end
# (`kvg-DOMAIN` in the host) kept on the same bridge as the guest's tap. A
# lease or static guest runs busybox's udhcpc against libvirt's dnsmasq; an
# inside guest has its address configured here. Then a loop, left running in
# the background (a child of the host's PID 1, so a power-off ends it), keeps
# each stand-in on its tap's bridge (checked every second), follows the link
# state libvirt gives the guest's NIC (`virsh domif-setlink`: the stand-in's
# eth0 goes down and up with it, and a DHCP stand-in then asks for an address
# again, as NetworkManager, systemd-networkd or Windows do when the carrier
# comes back — on a bridge it is the LAN's server that answers), and pings
# its default gateway every 5 s, as a live guest talks. Exits once every DHCP
# stand-in has an address (at most 30 s).
#
# usage: guests.sh LIST
set -u
list=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /var/log/kvmplay-guests

# The veth of a stand-in onto the bridge of its guest's tap (libvirt names the
# tap vnetN and gives it the guest's MAC with fe for its first byte), or off
# every bridge while the guest has no tap (shut off). Shell builtins only, so
# the loop forks nothing while nothing changes.
follow() {
	veth=$1 tapmac=fe:${2#??:}
	want='' have=''
	for a in /sys/class/net/vnet*/address; do
		[ -e "$a" ] || continue
		read -r m <"$a"
		if [ "$m" = "$tapmac" ]; then
			cd -P "${a%/address}/master" 2>/dev/null && want=${PWD##*/}
			break
		fi
	done
	cd -P "/sys/class/net/$veth/master" 2>/dev/null && have=${PWD##*/}
	cd /
	[ "$want" = "$have" ] && return 0
	if [ -n "$want" ]; then ip link set "$veth" master "$want" up; else ip link set "$veth" nomaster; fi
}

# Whether libvirt has the guest NIC's link down: its status XML (rewritten on
# every change) has <link state='down'/> in the interface with this MAC.
link_down() {
	awk -v mac="$2" -v q="'" '
		/<interface / { i = "" }
		{ i = i $0 }
		/<\/interface>/ { if (index(i, "address=" q mac q) && index(i, "<link state=" q "down" q)) d = 1 }
		END { exit !d }' "/run/libvirt/qemu/$1.xml" 2>/dev/null
}

# The guest's DHCP client, started afresh (its last lease's address asked
# for first, as a client that comes back does). In a subshell that exits at
# once: udhcpc is then PID 1's child, not the loop's.
# A discover a second (-t 30 -T 1), as a guest's client retries: the bridge
# port forwards only after STP's 2 x 2 s, and dnsmasq ignores a discover
# while it pings the address it means to offer another client.
dhcp_client() {
	pidfile=/run/kvmplay-guests/$1.udhcpc.pid
	[ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
	last=$(ip -n "kvg-$1" -4 -o addr show dev eth0 scope global | awk '{ split($4, a, "/"); print a[1]; exit }')
	(nsenter --net="/run/netns/kvg-$1" busybox udhcpc -f -t 30 -T 1 -A 1 -i eth0 -p "$pidfile" -s "$here/udhcpc.sh" -x "hostname:$1" ${last:+-r "$last"} \
		>>"/var/log/kvmplay-guests/$1.log" 2>&1 &)
}

# The stand-in's link follows the guest NIC's: checked only when libvirt's
# status file changed since the last look (-nt counts whole seconds, so a
# look in the same second as a change looks again the next).
follow_link() {
	dom=$1 mac=$2 kind=$3
	f=/run/libvirt/qemu/$dom.xml stamp=/run/kvmplay-guests/$dom.seen
	[ -e "$f" ] && ! [ "$stamp" -nt "$f" ] || return 0
	: >"$stamp"
	if link_down "$dom" "$mac"; then now=down; else now=up; fi
	was=up
	[ ! -e "/run/kvmplay-guests/$dom.down" ] || was=down
	[ "$now" != "$was" ] || return 0
	echo "$(date +%T) link $now (libvirt)" >>"/var/log/kvmplay-guests/$dom.log"
	if [ "$now" = down ]; then
		: >"/run/kvmplay-guests/$dom.down"
		ip -n "kvg-$dom" link set eth0 down
	else
		rm -f "/run/kvmplay-guests/$dom.down"
		ip -n "kvg-$dom" link set eth0 up
		case $kind in lease | static) dhcp_client "$dom" ;; esac
	fi
}

mkdir -p /run/kvmplay-guests
guests=''
while read -r dom kind mac addr gw; do
	[ -n "$dom" ] || continue
	ns=kvg-$dom
	ip netns add "$ns"
	ip link add "$ns" type veth peer name eth0 netns "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 address "$mac"
	ip -n "$ns" link set eth0 up
	ip link set "$ns" up
	follow "$ns" "$mac"
	case $kind in
	lease | static)
		: >"/var/log/kvmplay-guests/$dom.log"
		dhcp_client "$dom"
		;;
	inside)
		ip -n "$ns" addr add "$addr/24" dev eth0
		ip -n "$ns" route add default via "$gw"
		;;
	esac
	guests="$guests $dom,$mac,$kind,$gw"
done <"$list"

(
	i=0
	while :; do
		for g in $guests; do
			IFS=,
			set -- $g
			unset IFS
			follow "kvg-$1" "$2"
			follow_link "$1" "$2" "$3"
			if [ $((i % 5)) -eq 0 ]; then
				# Its gateway as it has one now (the LAN's router once it took a LAN lease), else the NAT one.
				nsenter --net="/run/netns/kvg-$1" sh -c 'gw=$(ip -4 route show default | awk "{ print \$3; exit }"); ping -c 1 -W 1 -q "${gw:-$0}"' "$4" >/dev/null 2>&1 &
			fi
		done
		# The pings of the last round are over by now: reap them.
		[ $((i % 5)) -ne 3 ] || wait
		i=$((i + 1))
		sleep 1
	done
) </dev/null >/dev/null 2>&1 &

# `lab up` returns with the leases taken and every inside guest heard from on its
# bridge: tests and users see the NAT identity at once. (The loop's pings come 5 s
# apart and the first is lost while the port is still learning: without this wait a
# run right after `lab reboot` found no trace of an inside guest.)
for g in $guests; do
	dom=${g%%,*}
	tries=0
	case $g in
	*,inside,*)
		gw=${g##*,}
		until nsenter --net="/run/netns/kvg-$dom" ping -c 1 -W 1 -q "$gw" >/dev/null 2>&1; do
			tries=$((tries + 1))
			[ "$tries" -lt 30 ] || { echo "stand-in of $dom got no answer from $gw within 30 s" >&2; exit 1; }
			sleep 0.5
		done
		;;
	*)
		until [ -n "$(ip -n "kvg-$dom" -4 addr show dev eth0 scope global)" ]; do
			tries=$((tries + 1))
			[ "$tries" -lt 300 ] || { echo "stand-in of $dom got no lease within 30 s (see /var/log/kvmplay-guests/$dom.log)" >&2; exit 1; }
			sleep 0.1
		done
		;;
	esac
done
