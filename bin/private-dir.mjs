// Directories kvmplay runs code from (bin/bundle.mjs's bundles, and the
// compiled playbooks kept beside them): nobody else may be able to put
// anything there, or kvmplay would run it. A shared place such as $TMPDIR is
// where another local user could create the directory first, or swap it.
import { accessSync, chmodSync, constants, lstatSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

const uid = () => process.getuid?.()
const octal = (mode) => `0${(mode & 0o7777).toString(8)}`

/** Why the directory at `path` (lstat'ed) is not one others cannot write to, or undefined when it is; `owners` are the uids trusted to own it. */
function unsafe(path, owners) {
  const st = lstatSync(path)
  if (st.isSymbolicLink()) return `${path} is a symbolic link`
  if (!st.isDirectory()) return `${path} is not a directory`
  if (uid() !== undefined && !owners.includes(st.uid)) return `${path} belongs to uid ${st.uid}, not to you (uid ${uid()})`
  if (st.mode & 0o022) return `${path} is writable by others (mode ${octal(st.mode)})`
  return undefined
}

/** The parent must not let others rename the directory away and put their own in its place: not writable by others, or sticky (as /tmp is). */
function unsafeParent(path) {
  const parent = dirname(path)
  const st = lstatSync(parent)
  return st.mode & 0o022 && !(st.mode & 0o1000) ? `${parent} lets others replace what is in it (mode ${octal(st.mode)}, not sticky)` : undefined
}

/**
 * `path`, a directory of this user's alone (mode 0700), made if missing;
 * throws saying why when it cannot be. One of ours that only we can write
 * to but others may read (as kvmplay once made it, 0755) is narrowed to
 * 0700: nobody else can have put anything in it.
 */
export function privateDir(path) {
  try {
    mkdirSync(path, { mode: 0o700 })
  } catch (err) {
    if (err.code !== 'EEXIST') throw err
  }
  const why = unsafeParent(path) ?? unsafe(path, [uid()])
  if (why) throw new Error(`${why}; kvmplay runs code from it, so it must be yours alone: remove it, or set TMPDIR to a directory of your own`)
  if (lstatSync(path).mode & 0o077) chmodSync(path, 0o700)
  return path
}

/**
 * `path` inside the package (node_modules/.cache/kvmplay), made if missing:
 * as trusted as the package's own code, so its owner may own it too, but no
 * one else may be able to write to it. Undefined when it cannot serve
 * (a read-only install, another user's).
 */
export function packageDir(path, packageRoot) {
  try {
    mkdirSync(path, { recursive: true, mode: 0o755 })
    accessSync(path, constants.W_OK)
    return unsafe(path, [uid(), lstatSync(packageRoot).uid]) ? undefined : path
  } catch {
    return undefined
  }
}
