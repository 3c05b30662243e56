/**
 * Report sections: parts of a run's report that tasks contribute to, host by
 * host (`host.contribute(section, value)`), and that the runner folds into
 * one result per run — printed after the recap, one `section` event in
 * --json (before the recap, which stays last), and written to the file the
 * user names (`--report FILE`) where the section keeps one. The runner knows
 * nothing of what a section holds: the migration's guests are one
 * (src/guests/report.ts).
 */

export interface Contribution<C> {
  host: string
  value: C
}

export interface ReportSection<C = any, R = any> {
  /** Unique among sections: the `section` of its --json event ("guests"). */
  readonly name: string
  /**
   * The run's result from every contribution, in the order the hosts made
   * them; `previous` is the user's report file as it was before the run
   * (`--report FILE`, undefined: none), so a later run keeps and brings up
   * to date what an earlier one recorded — in the file, the event and the
   * printout alike. `ended` says, of each host whose play did not run to its
   * end, how it ended ("failed in 'x'", "was interrupted in 'x'"), so a
   * section can say why a host's part is missing without guessing.
   */
  combine(contributions: readonly Contribution<C>[], check: boolean, previous?: string, ended?: Readonly<Record<string, string>>): R
  /** The lines printed after the recap (human output). */
  render(result: R): string[]
  /** The content of the user's report file (`--report FILE`), from the run's result. Sections without it write no file. */
  file?(result: R): string
}

/** The sections' contributions of a run, in the order sections first appeared. */
export class SectionContributions {
  private readonly bySection = new Map<ReportSection, Contribution<unknown>[]>()

  add<C>(section: ReportSection<C>, host: string, value: C): void {
    const list = this.bySection.get(section) ?? []
    list.push({ host, value })
    this.bySection.set(section, list)
  }

  /** Each section with its result. */
  results(check: boolean, previous?: string, ended?: Readonly<Record<string, string>>): { section: ReportSection; result: unknown }[] {
    return [...this.bySection].map(([section, list]) => ({ section, result: section.combine(list, check, section.file ? previous : undefined, ended) }))
  }
}
