/**
 * file: a remote file with the given content, mode and owner. Written
 * atomically (a temp file in the same directory, then rename) so a reader
 * never sees half a file, keeping a backup of what it replaced.
 */
import { createHash, randomBytes } from 'node:crypto'
import { defineTask, converged } from '../src/core/task.ts'
import type { FileDiff, FileOriginal, Plan, Step, Task, TaskOptions } from '../src/core/task.ts'
import type { Host } from '../src/core/host.ts'
import { fileFact } from '../src/facts/file.ts'
import type { FileState } from '../src/facts/file.ts'
import { factRequest } from '../src/facts/fact.ts'
import { commandStep } from '../src/core/step.ts'
import { resource } from '../src/core/resource.ts'
import { sh } from '../src/core/quote.ts'
import { absolutePath, fileMode, owner as ownerName } from '../src/core/validate.ts'
import { KvmplayError } from '../src/core/errors.ts'
import { BACKUP_DIR_READY, backupPath, backupTarget } from '../src/core/backups.ts'
import { boolean, checkOptions, literal, number, object, oneOf, required, string } from '../src/core/shape.ts'
import type { Fields } from '../src/core/shape.ts'
import { taskOptionFields } from '../src/core/task-options-shape.ts'

export interface FileOptions extends TaskOptions {
  /** Absolute path on the host. */
  path: string
  /** The whole content; omit to manage only mode/owner of an existing file. */
  content?: string
  /** 'absent' removes the file. Default 'present'. */
  state?: 'present' | 'absent'
  /** Octal mode, '0644' or 0o644. New files default to 0644; existing ones keep theirs. */
  mode?: string | number
  owner?: string
  group?: string
  /** Keep the replaced file (content, mode, owner) as /var/lib/kvmplay/backups/PATH.YYYYMMDD-HHMMSS~ — never beside it, where the file's reader would read it too (src/core/backups.ts). Default true. */
  backup?: boolean
  /** Never show the content in --diff or --json, whatever the mode (a file others cannot read, and some paths, are never shown anyway). */
  secret?: boolean
}

/** A file's own keys, without the path and content (template's take a source instead). */
export const fileAttributeFields: Fields<Omit<FileOptions, 'path' | 'content' | 'state'>> = {
  ...taskOptionFields,
  mode: oneOf(string, number),
  owner: string,
  group: string,
  backup: boolean,
  secret: boolean,
}

/** What file() takes, checked when the playbook loads (shape.ts). */
export const fileShape = object<FileOptions>({ ...fileAttributeFields, path: required(string), content: string, state: literal('present', 'absent') })

/** Writing a file touches its path (and so its parents, which mkdir -p may create, and listings of them). */
const touched = (path: string) => [resource.path(path)]

export { backupPath } from '../src/core/backups.ts'

export interface FileWish {
  path: string
  content?: string
  state: 'present' | 'absent'
  mode?: string
  owner?: string
  group?: string
  backup: boolean
  /** Never show the content (FileOptions.secret); left out, false. */
  secret?: boolean
}

/** The wish of file options, checked (absolute path, octal mode, owner names); throws a validation error naming what is wrong. */
export function fileWish(o: Omit<FileOptions, keyof TaskOptions>): FileWish {
  return {
    path: absolutePath(o.path),
    content: o.content === undefined ? undefined : String(o.content),
    state: o.state ?? 'present',
    mode: o.mode === undefined ? undefined : fileMode(o.mode),
    owner: o.owner === undefined ? undefined : ownerName(o.owner),
    group: o.group === undefined ? undefined : ownerName(o.group, 'group'),
    backup: o.backup ?? true,
    secret: o.secret ?? false,
  }
}

/** Content up to this size travels inside the script (a builtin printf writes it); larger content is the step's stdin. */
const INLINE_CONTENT_BYTES = 12 * 1024

/** Whether the script can carry this content for printf: small enough, and no NUL (no shell argument holds one). */
const inlinable = (content: string) => Buffer.byteLength(content) <= INLINE_CONTENT_BYTES && !content.includes('\0')

/**
 * What came over stdin is all of it, before the rename: its sha256 where
 * sha256sum exists (busybox has one too; a match is a length match), else
 * its length (wc -c). A transfer cut short (a dropped link, a here-document
 * ended early) fails the step here; the trap removes the temp file and the
 * old file stays. wc runs only to say how much came, when it did not all come.
 */
function receivedCheck(content: string): string {
  const bytes = Buffer.byteLength(content)
  const sum = createHash('sha256').update(content).digest('hex')
  const refuse = (why: string) =>
    `{ n=$(wc -c < "$t"); echo "$p: received $((n)) of ${bytes} bytes${why}: the transfer was cut short; $p is left as it was" >&2; exit 1; }`
  return [
    'if command -v sha256sum >/dev/null 2>&1; then',
    `  s=$(sha256sum < "$t"); [ "\${s%% *}" = ${sum} ] || ${refuse(', not the sha256 sent')}`,
    `else n=$(wc -c < "$t"); [ $((n)) -eq ${bytes} ] || ${refuse('')}; fi`,
  ].join('\n')
}

/**
 * The temp file's data on disk before the rename, or a power cut can leave
 * the new name on an empty file. `sync -d FILE` fdatasyncs just the file
 * (coreutils ≥ 8.24; busybox in its default build, SYNC_FANCY). Older
 * coreutils (CentOS 7's 8.22) refuse -d and sync nothing, as before this
 * check — better than their plain `sync FILE`, which ignores the name and
 * flushes every filesystem: on a busy hypervisor, every guest's dirty pages.
 * A busybox built without SYNC_FANCY does that too: slow, still correct.
 */
const SYNC_TEMP = 'sync -d "$t" 2>/dev/null || :'

/** The umask that creates files with exactly this mode, when one can (no execute or special bits). */
function umaskFor(mode: string): string | undefined {
  const m = parseInt(mode, 8)
  return m & 0o7111 ? undefined : (~m & 0o777).toString(8).padStart(3, '0')
}

/**
 * The backup of the file being replaced. Where kvmplay read the file's exact
 * bytes (its content fact) and the shell can recreate its mode (a umask) and
 * owner (ours), printf writes the backup from them: no cp, one process less on
 * the host. Otherwise, or when the file is no longer ours, cp -p copies it.
 * Either way the backup has the content, mode and owner the file had when
 * read; only cp -p also keeps its modification time.
 */
function backupCommand(current: FileState, backup: string): string {
  const copy = `cp -p "$p" ${backup}`
  const content = current.content
  // Bytes that were not UTF-8 did not survive the read: their size or a U+FFFD gives them away.
  const exact = content !== undefined && Buffer.byteLength(content) === current.size && !content.includes('\uFFFD') && inlinable(content)
  const umask = current.mode ? umaskFor(current.mode) : undefined
  if (!exact || !umask) return copy
  // Runs after the temp file is written, with noclobber off again: the backup is written as cp would.
  return `if [ -O "$p" ] && [ -G "$p" ]; then umask ${umask}; ${sh`printf '%s' ${content}`} > ${backup}; else ${copy}; fi`
}

/**
 * The write as few processes as it can take (each one counts on a busy
 * hypervisor): the temp file gets a name from here and is created by the
 * shell (noclobber: never through an existing file or link), its content by
 * printf, its mode by the umask and its owner by being ours, the backup
 * mostly by printf too (backupCommand) — leaving mv for the atomic rename,
 * where it was six processes.
 */
function writeStep(w: FileWish, current: FileState, content: string): Step {
  const now = new Date()
  const backup = current.exists && w.backup ? backupPath(w.path, now) : undefined
  const mode = w.mode ?? (current.exists ? current.mode! : '0644')
  const umask = umaskFor(mode)
  const own = w.owner || w.group ? `${w.owner ?? ''}${w.group ? `:${w.group}` : ''}` : undefined
  const inline = inlinable(content)
  const script = [
    'set -e',
    sh`p=${w.path}`,
    // Shell, not dirname and mkdir: every process counts on a busy host (the path is absolute).
    'd=${p%/*}; d=${d:-/}',
    '[ -d "$d" ] || mkdir -p "$d"',
    `t="$d/.kvmplay.${randomBytes(6).toString('hex')}"`,
    `trap 'rm -f "$t"' EXIT`,
    `umask ${umask ?? '077'}`,
    'set -C',
    inline ? sh`printf '%s' ${content} > "$t"` : 'cat > "$t"',
    'set +C',
    inline ? ':' : receivedCheck(content),
    SYNC_TEMP,
    umask ? ':' : sh`chmod ${mode} "$t"`,
    // A new file is ours; a replaced one keeps its owner, which is ours too unless told or found otherwise.
    own ? sh`chown ${own} "$t"` : current.exists ? '[ -O "$p" ] && [ -G "$p" ] && [ -G "$t" ] || chown --reference="$p" "$t"' : ':',
    // A backup of this second already there is of an earlier state (two tasks editing one file): it is kept, not overwritten.
    backup ? `b=${backupTarget(w.path, now)}; [ -e "$b" ] || { ${BACKUP_DIR_READY}; ${backupCommand(current, '"$b"')}; }` : ':',
    'mv -f "$t" "$p"',
    'trap - EXIT',
  ].join('\n')
  const what = current.exists ? 'replace' : 'create'
  return commandStep(`${what} ${w.path}${backup ? ` (backup ${backup})` : ''}`, script, {
    touches: touched(w.path),
    stdin: inline ? undefined : content,
    diff: fileDiff(w, current, content, mode),
  })
}

/** The diff of a write or removal, with the modes and the secret mark that decide whether a run may show it (src/core/secret-diff.ts). */
function fileDiff(w: FileWish, current: FileState, after: string, afterMode: string | undefined): FileDiff {
  const diff: FileDiff = { label: w.path, before: current.content ?? '', after, modes: { before: current.exists ? current.mode : undefined, after: afterMode } }
  return w.secret ? { ...diff, secret: true } : diff
}

/**
 * The steps from a file's current state to the wish: an atomic write with a
 * backup, or a removal, chmod, chown — each carrying the file as it was (a
 * later cutover's rollback may put it back) and its diff. Shared by file,
 * template, sysctl, the bridge tasks and any task of your own that keeps a file.
 *
 * @example
 * ```ts
 * plan: (host, { conf }) => ({ steps: planFile(fileWish({ path: '/etc/x.conf', content: 'x = 1\n' }), conf) })
 * ```
 */
export function planFile(w: FileWish, current: FileState): Step[] {
  const original = originalOf(w.path, current)
  return planFileSteps(w, current).map((s) => ({ ...s, original }))
}

/** A file as it is now, for a rollback to put back (undefined content: it does not exist). */
export const originalOf = (path: string, current: FileState): FileOriginal => ({
  path,
  content: current.exists ? current.content : undefined,
  mode: current.mode,
  owner: current.owner,
  group: current.group,
})

function planFileSteps(w: FileWish, current: FileState): Step[] {
  if (w.state === 'absent') {
    if (!current.exists) return []
    return [commandStep(`remove ${w.path}`, sh`rm -f -- ${w.path}`, { touches: touched(w.path), diff: fileDiff(w, current, '', undefined) })]
  }
  if (current.exists && current.type !== 'file') {
    throw new KvmplayError('validation', `${w.path} exists and is a ${current.type}, not a regular file; refusing to replace it`)
  }
  if (w.content !== undefined && (!current.exists || current.content !== w.content)) return [writeStep(w, current, w.content)]
  if (!current.exists) throw new KvmplayError('validation', `${w.path} does not exist; give 'content' to create it`)
  const steps: Step[] = []
  if (w.mode && w.mode !== current.mode) steps.push(commandStep(`chmod ${w.mode} ${w.path} (was ${current.mode})`, sh`chmod ${w.mode} -- ${w.path}`, { touches: touched(w.path) }))
  const ownerDiffers = (w.owner && w.owner !== current.owner) || (w.group && w.group !== current.group)
  if (ownerDiffers) {
    const own = `${w.owner ?? current.owner}:${w.group ?? current.group}`
    steps.push(commandStep(`chown ${own} ${w.path} (was ${current.owner}:${current.group})`, sh`chown ${own} -- ${w.path}`, { touches: touched(w.path) }))
  }
  return steps
}

export function fileReason(w: FileWish): string {
  return w.state === 'absent' ? `${w.path} is absent` : `${w.path} is as wished`
}

/** The plan of a file wish against the file as it is: its steps, or converged, saying so. */
export function planFileAgainst(w: FileWish, current: FileState): Plan {
  const steps = planFile(w, current)
  return steps.length ? { steps } : converged(fileReason(w))
}

/** Plans a file wish against the host, for tasks that compute the content themselves. */
export async function planFileOn(host: Host, w: FileWish): Promise<Plan> {
  return planFileAgainst(w, await host.fact(fileFact, w.path))
}

/**
 * A file with exactly this content (and mode, owner).
 *
 * @example
 * ```ts
 * file({ path: '/etc/modules-load.d/bridge.conf', content: 'br_netfilter\n', mode: '0644' })
 * ```
 */
export function file(opts: FileOptions): Task {
  checkOptions('file', opts, fileShape)
  const w = fileWish(opts)
  return defineTask(
    {
      name: w.state === 'absent' ? `remove ${w.path}` : `file ${w.path}`,
      facts: () => ({ current: factRequest(fileFact, w.path) }),
      plan: (_host, { current }) => planFileAgainst(w, current),
    },
    opts,
  )
}
