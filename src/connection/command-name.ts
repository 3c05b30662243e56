/**
 * How an error (a timeout) names a command: by its label where the caller
 * gave one, else by its first line, cut short. Never by its whole text: a
 * file write carries the file's content inline, a become's stdin rides in
 * the script as base64, and either may be a secret (a 0600 keyfile's PSK).
 */
import type { ExecOptions } from './types.ts'

const LONGEST = 80

export function commandName(command: string, opts: Pick<ExecOptions, 'label'> = {}): string {
  if (opts.label) return opts.label
  const first = command.trimStart().split('\n', 1)[0]
  return first.length > LONGEST ? `${first.slice(0, LONGEST)}…` : first
}
