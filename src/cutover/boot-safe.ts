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
import { quote } from '../core/quote.ts'
import type { FileOriginal } from '../core/task.ts'
import { fileRestore, syncFile, tempNameOf } from './restore.ts'

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
