/**
 * Several commands in one remote shell script, told apart afterwards: after
 * each one, its index and exit code go to both stdout and stderr on a line
 * of their own, behind a random marker no output can guess and after a
 * newline of ours. Each stream then splits cleanly per command, with each
 * command's output kept byte for byte — and no temporary file or process
 * spent on the framing.
 */
import type { ExecResult } from './types.ts'

/** Shell, right after command `i`: keeps its exit code in $rc and reports it on both streams. */
export const frameAfter = (marker: string, i: number) => `rc=$?\nprintf '\\n${marker} ${i} %d\\n' $rc; printf '\\n${marker} ${i} %d\\n' $rc >&2`

/**
 * Command `i` in a subshell of its own, then its frame. Its stdin is
 * `input` (a here-document), or none: it cannot read the script behind it.
 */
export const framedCommand = (cmd: string, marker: string, i: number, input = '</dev/null') => `( ${cmd}\n) ${input}\n${frameAfter(marker, i)}`

/** Per-command results, in order; commands that never reported (a stop, a lost link) have none. */
export function splitFramed(out: ExecResult, marker: string): ExecResult[] {
  const split = (text: string) => {
    const parts: { body: string; index: number; code: number }[] = []
    const re = new RegExp(`\\n${marker} (\\d+) (\\d+)\\n`, 'g')
    let from = 0
    for (let m = re.exec(text); m; m = re.exec(text)) {
      parts.push({ body: text.slice(from, m.index), index: Number(m[1]), code: Number(m[2]) })
      from = re.lastIndex
    }
    return parts
  }
  const stdout = split(out.stdout)
  const stderr = split(out.stderr)
  const results: ExecResult[] = []
  // Both streams must agree, command by command, or the output is not ours to trust.
  for (const [i, o] of stdout.entries()) {
    if (o.index !== i || stderr[i]?.index !== i || stderr[i].code !== o.code) break
    results.push({ code: o.code, stdout: o.body, stderr: stderr[i].body })
  }
  return results
}
