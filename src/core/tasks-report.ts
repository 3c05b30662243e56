/**
 * `--output tasks`: a run as ansible-playbook prints it — a `TASK [name]`
 * header, then each host's result under it (`ok: [h1]`, `changed: [h2] —
 * why`). kvmplay's hosts do not wait for each other, so a task's block is
 * held until every host of the play (or batch) has reported it, moved past
 * it, or ended; then it is printed whole, in the order tasks first came.
 * The play line, recap and report sections are the per-host reporter's.
 */
import { detailLines, humanReporter, painter, reasonText, statusWord } from './report.ts'
import type { ReportOptions } from './report.ts'
import type { RunEvent } from './result.ts'

type TaskEvent = Extract<RunEvent, { type: 'task' }>

interface Block {
  title: string
  results: TaskEvent[]
  hosts: Set<string>
}

export function tasksReporter(opts: ReportOptions): (e: RunEvent) => void {
  const paint = painter(opts.color)
  const rest = humanReporter({ ...opts, taskLines: false })
  const width = opts.width ?? 80
  let waitingFor = new Set<string>()
  /** Inventory order: a block lists its hosts so, whichever finished first. */
  let rank = new Map<string, number>()
  const blocks: Block[] = []
  const byTitle = new Map<string, number>()
  let printed = 0
  /** Each host's furthest block, and the hosts whose play is over (a failure ends it). */
  const furthest = new Map<string, number>()
  const ended = new Set<string>()

  const header = (b: Block) => `${b.title} `.padEnd(Math.max(b.title.length + 4, width), '*')
  const print = (b: Block) => {
    opts.write('')
    opts.write(paint('bold', header(b)))
    for (const e of [...b.results].sort((x, y) => (rank.get(x.host) ?? 0) - (rank.get(y.host) ?? 0))) {
      const head = `${statusWord(e)}: [${e.host}]`
      opts.write(`${paint(e.status, head)}${reasonText(e, opts, width - head.length)}`)
      for (const line of detailLines(e, opts, '    ')) opts.write(line)
    }
  }
  const done = (i: number) => [...waitingFor].every((h) => blocks[i].hosts.has(h) || (furthest.get(h) ?? -1) > i || ended.has(h))
  const flush = (all = false) => {
    while (printed < blocks.length && (all || done(printed))) print(blocks[printed++])
  }

  return (e) => {
    switch (e.type) {
      case 'play':
        waitingFor = new Set(e.hosts)
        rank = new Map(e.hosts.map((h, i) => [h, i]))
        break
      case 'batch':
        // The batch before is over: what it left is printed before the next one starts.
        flush(true)
        waitingFor = new Set(e.hosts)
        break
      case 'task': {
        const title = `${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.task}]`
        let i = byTitle.get(title)
        if (i === undefined || i < printed) {
          // A name seen again after its block was printed (a task repeated later in the play): a block of its own.
          i = blocks.push({ title, results: [], hosts: new Set() }) - 1
          byTitle.set(title, i)
        }
        blocks[i].results.push(e)
        blocks[i].hosts.add(e.host)
        furthest.set(e.host, Math.max(furthest.get(e.host) ?? -1, i))
        if (e.status === 'failed' || e.status === 'rolled_back') ended.add(e.host)
        flush()
        break
      }
      case 'unreachable':
        ended.add(e.host)
        flush()
        opts.write(paint('unreachable', `unreachable: [${e.host}]`) + ` — ${e.reason}`)
        break
      case 'recap':
        flush(true)
        break
    }
    rest(e)
  }
}
