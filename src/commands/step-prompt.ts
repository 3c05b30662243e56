/**
 * `--step`: before each task, on each host, ansible-playbook's question —
 * "Perform task: NAME on HOST (N)o/(y)es/(c)ontinue:" — read from standard
 * input (the terminal, or lines piped in). Hosts run side by side, so their
 * questions are asked one at a time, in the order they come. `c` says yes to
 * this task and to every later one, on every host; the end of the input says
 * no to what is left (the run then ends with those tasks skipped).
 */
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'

export type Confirm = (host: string, task: string) => Promise<boolean>

export function stepPrompt(input: Readable = process.stdin, output: Writable = process.stdout): { confirm: Confirm; close: () => void } {
  const lines = createInterface({ input, terminal: false })
  const typed: string[] = []
  const waiting: ((line: string | undefined) => void)[] = []
  let ended = false
  lines.on('line', (l) => (waiting.length ? waiting.shift()!(l) : typed.push(l)))
  lines.on('close', () => {
    ended = true
    for (const w of waiting.splice(0)) w(undefined)
  })
  const next = (): Promise<string | undefined> => (typed.length ? Promise.resolve(typed.shift()) : ended ? Promise.resolve(undefined) : new Promise((r) => waiting.push(r)))
  let continueAll = false
  // One question at a time: each waits for the answer before it.
  let queue = Promise.resolve()
  const confirm: Confirm = (host, task) => {
    const asked = queue.then(async () => {
      if (continueAll) return true
      output.write(`Perform task: ${task} on ${host} (N)o/(y)es/(c)ontinue: `)
      const answer = (await next())?.trim().toLowerCase()
      // A terminal echoes the answer and its Enter; piped in, it is echoed here, so the next line starts on a line of its own.
      if (!(input as { isTTY?: boolean }).isTTY) output.write(`${answer ?? ''}\n`)
      if (answer === 'c' || answer === 'continue') continueAll = true
      return continueAll || answer === 'y' || answer === 'yes'
    })
    queue = asked.then(() => {})
    return asked
  }
  return { confirm, close: () => lines.close() }
}
