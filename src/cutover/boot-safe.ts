/**
 * A power cycle before the confirmation must bring the host back as it was.
 * The rollback and its timer live in /run, which a reboot empties, while the
 * files persisted for the host's own network system (keyfiles, netplan,
 * interfaces, ifcfg) would come back at boot with the new configuration — and
 * a wrong one would lose the host for good. So once the change is live, the
 * files go back to their previous version on disk (the running network
 * system keeps what it loaded), the new versions wait in the cutover's
 * directory, and only the confirmation puts them in place. Nothing runs at
 * boot: each system simply reads its old files.
 */
import { quote, sh } from '../core/quote.ts'
import type { FileOriginal, StagedFile } from '../core/task.ts'
import { BACKUP_DIR_READY, backupTarget } from '../core/backups.ts'
import { fileRestore, putFile, syncFile, tempNameOf } from './restore.ts'

/** Where file `i`'s new version waits (in the cutover's directory, "$d"). */
const kept = (i: number) => `"$d/boot-safe/${i}"`

/** After the change: each file's new version set aside, its previous one back in place. */
export function keepPreviousOnDisk(files: FileOriginal[]): string {
  if (!files.length) return ''
  return [
    'mkdir -p "$d/boot-safe"',
    ...files.flatMap((f, i) => [`if [ -e ${quote(f.path)} ]; then cp -p -- ${quote(f.path)} ${kept(i)}; else : > ${kept(i)}.absent; fi`, ...fileRestore(f)]),
  ].join('\n')
}

/** At the confirmation: the new versions put in place, each by a rename (a power cut leaves the old file or the new, never half of one). */
export function installNewOnDisk(files: FileOriginal[]): string {
  return files
    .map((f, i) => {
      const next = quote(tempNameOf(f.path))
      return [
        `if [ -e ${kept(i)} ]; then cp -p -- ${kept(i)} ${next} && ${syncFile(tempNameOf(f.path))} && mv -f -- ${next} ${quote(f.path)}`,
        `elif [ -e ${kept(i)}.absent ]; then rm -f -- ${quote(f.path)}; fi`,
      ].join('\n')
    })
    .join('\n')
}

/**
 * The first thing the change does: the staged files (persistBridge's, held
 * back by the runner) put in place — each previous version kept in kvmplay's
 * backup tree, each new one written beside it, synced and renamed — so the
 * network system's own apply reads them. Never earlier: a change refused
 * before it was armed wrote nothing, and from here on the rollback has them.
 */
export function installStaged(files: StagedFile[], now = new Date()): string {
  return files
    .flatMap((f) => [
      `b=${backupTarget(f.path, now)}`,
      `${sh`[ ! -e ${f.path} ]`} || [ -e "$b" ] || { ${BACKUP_DIR_READY}; ${sh`cp -p -- ${f.path}`} "$b"; }`,
      ...(f.content === undefined ? [sh`rm -f -- ${f.path}`] : [sh`mkdir -p -- ${f.path.slice(0, f.path.lastIndexOf('/')) || '/'}`, ...putFile({ path: f.path, content: f.content, mode: f.mode ?? f.original.mode ?? '0644', owner: f.original.owner, group: f.original.group })]),
    ])
    .join('\n')
}
