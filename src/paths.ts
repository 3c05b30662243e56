/**
 * The package's root directory, where templates/ and the lab's boot script
 * live. From the sources it is src/..; the bundle (bin/bundle.mjs) lives
 * elsewhere and has the root written into it at build time.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

declare const __KVMPLAY_ROOT__: string | undefined

export const PACKAGE_ROOT: string = typeof __KVMPLAY_ROOT__ === 'string' ? __KVMPLAY_ROOT__ : resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** True when running from the bundle, false from the TypeScript sources (tests, tsx). */
export const BUNDLED = typeof __KVMPLAY_ROOT__ === 'string'
