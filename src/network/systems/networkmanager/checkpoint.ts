/**
 * NetworkManager's checkpoint, under which both ways of the bridge run: a
 * checkpoint of every device that NetworkManager rolls back by itself if
 * nobody destroys it in time, which survives kvmplay dying (not an NM
 * restart: the timer lives in NM's memory, so the host's own timer stays the
 * first line). One script for the way there and the way back; only the
 * profiles brought up differ.
 */
import { sh } from '../../../core/quote.ts'
import { SYSTEM_CONNECTIONS } from './profiles.ts'
import type { Profile } from './profiles.ts'

/**
 * CheckpointCreate's flags (NMCheckpointCreateFlags, NetworkManager ≥ 1.6):
 * DESTROY_ALL (1), since a checkpoint of all devices overlaps any other and NM
 * refuses to create it while one exists (a stale one of an earlier run, say);
 * DELETE_NEW_CONNECTIONS (2), so the rollback removes the bridge's profile;
 * DISCONNECT_NEW_DEVICES (4), so it takes the new br0 down.
 */
export const CHECKPOINT_FLAGS = 1 | 2 | 4

/**
 * NetworkManager's own rollback comes this much later than the host's timer
 * (both count the confirm timeout): the host's restore rolls the checkpoint
 * back itself, then puts the files back, in that order; NM's timer is the net
 * under it (a host timer that was lost). Whichever comes second finds the
 * checkpoint gone, and its rollback fails harmlessly.
 */
export const NM_ROLLBACK_MARGIN_SEC = 10

/** The file, next to the cutover's scripts, where the apply keeps the checkpoint's D-Bus path. */
const CHECKPOINT_FILE = 'nm-checkpoint'

const NM = 'org.freedesktop.NetworkManager'
const busctl = (method: string, signature: string, ...args: string[]) => `busctl call ${NM} /org/freedesktop/NetworkManager ${NM} ${method} ${signature} ${args.join(' ')}`

/** Reads the checkpoint's path from the file the apply left in `dir` (a shell word); empty when there is none. */
const readCheckpoint = (dir: string) => `cp=; { read -r cp < "${dir}/${CHECKPOINT_FILE}"; } 2>/dev/null || true`

/** How long nmcli waits for each activation: never past the confirm timeout. */
export const activationWait = (confirmTimeoutSec: number) => Math.max(5, Math.min(30, confirmTimeoutSec - 5))

/**
 * The apply: apply.sh, run from the cutover's directory on the host, whose
 * path is "${0%/*}" (src/cutover/confirmed-apply.ts, armScript):
 * the checkpoint, NetworkManager reading the keyfiles (on disk already: it
 * drops the profiles whose files went), then `steps`.
 */
export function underCheckpoint(what: string, confirmTimeoutSec: number, steps: string[]): string {
  const timeout = confirmTimeoutSec + NM_ROLLBACK_MARGIN_SEC
  return [
    `# kvmplay: ${what} by NetworkManager, under a checkpoint of every device that NM rolls back by itself after ${timeout} s`,
    `out=$(${busctl('CheckpointCreate', 'aouu', '0', String(timeout), String(CHECKPOINT_FLAGS))}) || { echo "could not create a NetworkManager checkpoint: $out" >&2; exit 1; }`,
    // busctl prints: o "/org/freedesktop/NetworkManager/Checkpoint/1"
    `cp=\${out#o \\"}; cp=\${cp%\\"}`,
    `printf '%s\\n' "$cp" > "\${0%/*}/${CHECKPOINT_FILE}"`,
    'nmcli connection reload || exit 1',
    ...steps,
  ].join('\n')
}

/** A profile brought up, waiting for its activation. */
export const upStep = (profile: Profile, confirmTimeoutSec: number) => sh`nmcli -w ${activationWait(confirmTimeoutSec)} connection up uuid ${profile.uuid} || exit 1`

/** The describe line's start: what the checkpoint promises. */
export const describeCheckpoint = (confirmTimeoutSec: number) => `NetworkManager: checkpoint of every device (NM rolls back by itself after ${confirmTimeoutSec + NM_ROLLBACK_MARGIN_SEC} s)`

/** The confirmation: the checkpoint destroyed, so NetworkManager keeps the change. Runs in confirmScript, where "$d" is the cutover's directory. */
export const confirmCheckpoint = `${readCheckpoint('$d')}\n[ -z "$cp" ] || ${busctl('CheckpointDestroy', 'o', '"$cp"')}`

/** The checkpoint rolled back; run from restore.sh, whose directory ("${0%/*}") is the cutover's. Says in $nm_rolled_back whether it was. */
export const rollbackCheckpoint = `${readCheckpoint('${0%/*}')}\nnm_rolled_back=no\n[ -z "$cp" ] || ! ${busctl('CheckpointRollback', 'o', '"$cp"')} >/dev/null || nm_rolled_back=yes`

/**
 * Rolling the checkpoint back adds a deleted bridge profile again, and
 * NetworkManager writes it to a keyfile of its own naming (br0-<uuid>); the
 * rollback puts the original file back too, so the copy goes: one profile,
 * one file, as before the change.
 */
export function forgetCopies(profile: Profile): string {
  return [
    sh`for f in ${SYSTEM_CONNECTIONS}/*; do`,
    sh`  case "$f" in ${profile.path}|*~) continue ;; esac`,
    sh`  ! grep -qx ${`uuid=${profile.uuid}`} "$f" 2>/dev/null || rm -f -- "$f"`,
    'done',
  ].join('\n')
}
