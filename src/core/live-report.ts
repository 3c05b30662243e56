/**
 * A run on a terminal: the task lines that matter (changed, failed, rolled
 * back, unreachable — the ok ones are in the summary at the end) scroll by
 * above one live line that says how far the run is and which hosts it waits
 * for (progress.ts), redrawn four times a second by log-update. Not on a
 * terminal, or with --json, nothing of this runs: plain lines, as before.
 */
import { createLogUpdate } from 'log-update'
import { humanReporter } from './report.ts'
import type { ReportOptions } from './report.ts'
import { ProgressState } from './progress.ts'
import type { HostProgress } from './progress.ts'
import type { RunEvent } from './result.ts'

export interface LiveReporter {
  onEvent: (e: RunEvent) => void
  onProgress: (p: HostProgress) => void
  /** Takes the live line away (the run is over, or interrupted). */
  stop: () => void
}

export function liveReporter(opts: Omit<ReportOptions, 'write' | 'notableOnly'>, stream: NodeJS.WriteStream = process.stdout): LiveReporter {
  const live = createLogUpdate(stream, { showCursor: true })
  const state = new ProgressState()
  let running = true
  const draw = () => running && live(state.line(Date.now(), (stream.columns || 100) - 1))
  // A line of the run's own goes above the live one: the live line cleared, the line written, the live line drawn again.
  const write = (line: string) => {
    live.clear()
    stream.write(line + '\n')
    draw()
  }
  const report = humanReporter({ ...opts, write, notableOnly: true })
  const timer = setInterval(draw, 250)
  timer.unref()
  const stop = () => {
    if (!running) return
    running = false
    clearInterval(timer)
    live.clear()
  }
  return {
    onEvent: (e) => {
      state.event(e, Date.now())
      // The recap is the end: no live line under it.
      if (e.type === 'recap') stop()
      report(e)
    },
    onProgress: (p) => state.step(p, Date.now()),
    stop,
  }
}
