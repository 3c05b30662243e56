/**
 * Where kvmplay keeps the files it replaced on a host: under a directory of
 * its own, never beside the file. Beside it, a backup is read as
 * configuration by whatever reads that directory — ifupdown's
 * `source /etc/network/interfaces.d/*` took a backup of Debian's cloud-init
 * stanza for a second definition of eth0 and lost the host at its next boot;
 * NetworkManager and netplan read every file of theirs too. The tree below
 * mirrors the file's own path, so `ls /var/lib/kvmplay/backups/etc/network/`
 * shows what kvmplay replaced there.
 */

import { quote } from './quote.ts'

export const BACKUP_DIR = '/var/lib/kvmplay/backups'

const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)

/** The backup of `path` made at `now`: `/var/lib/kvmplay/backups/etc/x.conf.20261206-101500~`. */
export const backupPath = (path: string, now = new Date()) => `${BACKUP_DIR}${path}.${stamp(now)}~`

/**
 * Shell: the backup's path, for `b=…`. The host's KVMPLAY_BACKUP_DIR, where
 * set in the login's environment, moves the tree (a host whose /var is
 * small, and the tests, which write to a temp dir through the local shell).
 */
export const backupTarget = (path: string, now = new Date()) => `"\${KVMPLAY_BACKUP_DIR:-${BACKUP_DIR}}"${quote(`${path}.${stamp(now)}~`)}`

/** Shell: the directory of the backup in $b made if missing, kvmplay's own tree readable by root alone (a backup of a 0600 file is a secret too). */
export const BACKUP_DIR_READY = `[ -d "\${b%/*}" ] || (umask 077; mkdir -p "\${b%/*}")`
