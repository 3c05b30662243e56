/**
 * zx, configured once for the lab: quiet (a failing command's output goes
 * into the thrown error, not onto the user's terminal), interpolations quoted
 * by zx itself.
 */
import { $ as zx } from 'zx'

export const $ = zx({ quiet: true })
