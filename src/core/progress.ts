/**
 * The live progress line of a run on a terminal: hosts done of all, how many
 * changed, failed and were unreachable, and the slowest hosts still going
 * with the task each is on and for how long. Pure: fed the run's events and
 * its task starts, asked for a line of a given width.
 */
import type { RunEvent } from './result.ts'

export interface HostProgress {
  host: string
  /** The task it is on; undefined once the host's play is over. */
  task?: string
}

export class ProgressState {
  private readonly current = new Map<string, { task: string; since: number }>()
  private readonly done = new Set<string>()
  private readonly changed = new Set<string>()
  private readonly failed = new Set<string>()
  private readonly unreachable = new Set<string>()
  private total = 0

  /** The play starts: its hosts. */
  event(e: RunEvent, now: number): void {
    if (e.type === 'play') this.total = e.hosts.length
    if (e.type === 'task') {
      if (e.status === 'changed') this.changed.add(e.host)
      if (e.status === 'failed' || e.status === 'rolled_back') this.failed.add(e.host)
    }
    if (e.type === 'unreachable') {
      this.unreachable.add(e.host)
      this.finish(e.host)
    }
    void now
  }

  /** A host starts a task, or (task undefined) its play is over. */
  step(p: HostProgress, now: number): void {
    if (p.task === undefined) this.finish(p.host)
    else this.current.set(p.host, { task: p.task, since: now })
  }

  private finish(host: string): void {
    this.current.delete(host)
    this.done.add(host)
  }

  line(now: number, width = 100, slowest = 3): string {
    const counts = [
      `${this.done.size}/${this.total} hosts done`,
      `${this.changed.size} changed`,
      ...(this.failed.size ? [`${this.failed.size} failed`] : []),
      ...(this.unreachable.size ? [`${this.unreachable.size} unreachable`] : []),
    ].join(' · ')
    const slow = [...this.current]
      .sort((a, b) => a[1].since - b[1].since)
      .slice(0, slowest)
      .map(([host, c]) => `${host} ${c.task} (${((now - c.since) / 1000).toFixed(1)} s)`)
    const text = slow.length ? `${counts} — slowest: ${slow.join(', ')}` : counts
    return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text
  }
}
