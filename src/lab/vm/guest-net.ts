/**
 * The VM's own NIC, as the guest sees it. qemu's user-mode network (slirp)
 * gives the guest 10.0.2.15/24 by default; the guest takes it statically
 * with systemd-networkd (in systemd already: no DHCP client to install, no
 * DHCP round to wait for at boot). The match is the virtio driver, so the
 * bonds, VLANs, dummies and veths the lab builds inside stay unmanaged by it.
 * No gateway: restrict=on lets the guest reach nothing beyond slirp anyway,
 * and the controller reaches sshd through the host-forwarded port.
 */
export const VM_GUEST_ADDRESS = '10.0.2.15'
export const VM_NETWORK_UNIT = '10-kvmplay-uplink.network'
export const VM_NETWORK_FILE = `[Match]\nDriver=virtio_net\n\n[Network]\nAddress=${VM_GUEST_ADDRESS}/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`
