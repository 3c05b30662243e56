#!/bin/sh
# The stand-ins for the lab's guest NICs (guests.ts), inside one lab host:
# for each line of LIST (DOMAIN KIND MAC ADDRESS|- GATEWAY) a network
# namespace `kvg-DOMAIN` whose eth0 carries the guest's MAC, its other end
# (`kvg-DOMAIN` in the host) kept on the same bridge as the guest's tap. A
# lease or static guest runs busybox's udhcpc against libvirt's dnsmasq; an
# inside guest has its address configured here. Then a loop, left running in
# the background (a child of the host's PID 1, so a power-off ends it), keeps
# each stand-in on its tap's bridge (checked every second) and pings the gateway every 5 s, as a live
# guest talks. Exits once every DHCP stand-in has an address (at most 30 s).
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
		# In a subshell that exits at once: udhcpc is then PID 1's child, not the loop's.
		# A discover a second (-t 30 -T 1), as a guest's client retries: the bridge
		# port forwards only after STP's 2 x 2 s, and dnsmasq ignores a discover
		# while it pings the address it means to offer another client.
		(nsenter --net="/run/netns/$ns" busybox udhcpc -f -t 30 -T 1 -A 1 -i eth0 -s "$here/udhcpc.sh" -x "hostname:$dom" \
			>"/var/log/kvmplay-guests/$dom.log" 2>&1 &)
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
			if [ $((i % 5)) -eq 0 ]; then
				nsenter --net="/run/netns/kvg-$1" ping -c 1 -W 1 -q "$4" >/dev/null 2>&1 &
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
