#!/usr/bin/env bash
# Installs what kvmplay, its lab and its tests need on a fresh Debian 12 machine,
# as root; with --bench also what bench/ compares against (Ansible with
# community.libvirt). Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  echo "kvmplay needs Node.js >= 20 (with npm) first: see https://nodejs.org or your distribution's nodejs package." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "bootstrap installs Debian packages and the lab needs namespaces: run it as root (sudo bash $0)." >&2
  exit 1
fi

# node_modules first: the lab's own preflight is the one list of the packages it needs.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# The hosts' own network systems (lab profiles networkmanager, ifupdown, netplan, networkd) run
# from the machine's /usr too, so their packages go on the machine, never started there.
# The DHCP servers whose checkers the reservation tests run (CHECKER_PACKAGES) go there too,
# and what builds and boots the bare hosts (BARE_LAB_PACKAGES: mmdebstrap, dpkg-dev, systemd-nspawn)
# and the lab VM (VM_LAB_PACKAGES: mke2fs, qemu-img, qemu-system-x86).
lab_pkgs=$(node --import tsx -e "import('./src/lab/preflight.ts').then((m) => console.log(Object.keys({ ...m.LAB_PACKAGES, ...m.PROFILE_LAB_PACKAGES, ...m.BARE_LAB_PACKAGES, ...m.VM_LAB_PACKAGES, ...m.CHECKER_PACKAGES }).join(' ')))")
# Units these packages enable for the machine's next boot (NetworkManager would run
# DHCP on the machine's own interfaces, networking.service ifup -a): kvmplay only runs
# them inside lab hosts, so they are disabled again where bootstrap installed them.
machine_units="NetworkManager.service NetworkManager-wait-online.service NetworkManager-dispatcher.service networking.service"
# The DHCP servers' postinsts enable them for the next boot (kea-dhcp4-server.service, the
# isc-dhcp-server init script): only their checkers are wanted, so they are disabled again.
dhcp_units="isc-dhcp-server.service kea-dhcp4-server.service"
# ansible-core: the tests check the lab's inventory with it; bench/ compares against it.
pkgs="$lab_pkgs ansible-core python3"
# bench/: the full ansible package (ansible.posix, community.libvirt), Mitogen for it, the libvirt
# bindings its modules need on the hosts, GNU time for CPU accounting, and perf
# and process accounting for bench/profile.sh.
[ "${1:-}" != --bench ] || pkgs="$pkgs ansible ansible-mitogen python3-libvirt python3-lxml time linux-perf acct"

missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  # Keep package scripts from starting daemons (sshd, libvirtd) on the machine
  # itself: the lab runs its own, one per host.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # udev comes with network-manager; at the version of the machine's libudev1 it needs
  # no upgrade of systemd itself (which a later udev would pull in).
  if printf '%s\n' "${missing[@]}" | grep -qx network-manager && ! dpkg-query -W -f='${Status}' udev 2>/dev/null | grep -q 'install ok installed'; then
    v=$(dpkg-query -W -f='${Version}' libudev1 2>/dev/null || true)
    if [ -n "$v" ] && apt-cache madison udev | grep -qF " $v "; then missing+=("udev=$v"); fi
  fi
  # systemd-container depends on systemd of its own version: at the machine's systemd
  # version it needs no upgrade of systemd itself (the candidate may be a later point release).
  if printf '%s\n' "${missing[@]}" | grep -qx systemd-container; then
    v=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null || true)
    if [ -n "$v" ] && apt-cache madison systemd-container | grep -qF " $v "; then
      for i in "${!missing[@]}"; do [ "${missing[$i]}" != systemd-container ] || missing[$i]="systemd-container=$v"; done
    fi
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  for p in "${missing[@]}"; do
    case $p in network-manager | ifupdown)
      # Works offline, without systemd running; only the units that exist.
      for u in $machine_units; do
        [ ! -e "/lib/systemd/system/$u" ] || systemctl --no-reload disable "$u" >/dev/null 2>&1 || true
      done
      break ;;
    esac
  done
  for p in "${missing[@]}"; do
    case $p in isc-dhcp-server | kea-dhcp4-server)
      # systemctl hands a sysv script (isc-dhcp-server) to systemd-sysv-install; offline, no systemd needed.
      for u in $dhcp_units; do
        [ ! -e "/lib/systemd/system/$u" ] && [ ! -e "/etc/init.d/${u%.service}" ] || systemctl --no-reload disable "$u" >/dev/null 2>&1 || true
      done
      break ;;
    esac
  done
fi
# libvirt-daemon-system cannot be installed here (it would upgrade systemd on the
# machine); lab hosts carry its libvirtd.conf and polkit files as shipped, from the
# package fetched once at the machine's libvirt version (src/lab/stock.ts).
node --import tsx -e "import('./src/lab/stock.ts').then((m) => m.stockLibvirtTree()).then((t) => console.log('stock files: ' + t))"
# ifupdown2 (lab profiles ifupdown2, proxmox) conflicts with the machine's ifupdown: it is
# fetched the same way and installed into those hosts only (src/lab/ifupdown2.ts).
node --import tsx -e "import('./src/lab/ifupdown2.ts').then((m) => m.ifupdown2Tree()).then((t) => console.log('ifupdown2: ' + t))"
echo "bootstrap: ready (node $(node --version), $(virsh --version | sed 's/^/libvirt /'), $(ansible --version | head -1))"
