#!/bin/sh
# busybox udhcpc's event script for a lab guest's stand-in (guests.sh): the
# lease's address and default route on its interface, as a guest's own
# DHCP client would configure them.
case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	;;
bound | renew)
	# $subnet is a dotted netmask, which ip takes after the slash.
	ip -4 addr replace "$ip/$subnet" dev "$interface"
	for a in $(ip -4 -o addr show dev "$interface" | awk '{print $4}'); do
		[ "${a%/*}" = "$ip" ] || ip -4 addr del "$a" dev "$interface"
	done
	[ -z "${router:-}" ] || ip -4 route replace default via "${router%% *}" dev "$interface"
	;;
esac
exit 0
