/** `kvmplay recap merge FILES…`: the slices' recaps as one, printed as a run prints its recap, with the whole run's exit code. */
import { stdoutLines } from '../core/stdout-lines.ts'
import { readFileSync } from 'node:fs'
import type { CommandModule } from 'yargs'
import { mergeRecaps, recapOf } from '../core/recap-merge.ts'
import { humanReporter, jsonReporter } from '../core/report.ts'
import { KvmplayError } from '../core/errors.ts'
import { EXIT } from '../core/exit-codes.ts'

interface RecapArgs {
  action: string
  files: string[]
  json?: boolean
}

function readSlice(source: string): string {
  try {
    return readFileSync(source, 'utf8')
  } catch (err) {
    throw new KvmplayError('usage', `cannot read ${source}: ${(err as Error).message}`)
  }
}

export const recapCommand: CommandModule<object, RecapArgs> = {
  command: 'recap <action> <files..>',
  describe: "Combine the --json recaps of a run's slices (--slice I/N) into one recap and exit code",
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ['merge'], demandOption: true, describe: 'merge' })
      .positional('files', { type: 'string', array: true, demandOption: true, describe: "Each slice's `kvmplay run --json` output (its last line is the recap)" })
      .option('json', { type: 'boolean', describe: 'Print the merged recap as one JSON line' })
      .example('$0 recap merge slice-1.json slice-2.json slice-3.json', 'One recap for the three workers; exit code as one run would have had') as never,
  handler: (args) => {
    let merged
    try {
      merged = mergeRecaps(args.files.map((source) => ({ source, recap: recapOf(readSlice(source), source) })))
    } catch (err) {
      // Every error here is the input's: a file missing, not a recap, slices overlapping.
      throw Object.assign(err as Error, { exitCode: EXIT.BAD_INPUT })
    }
    const write = stdoutLines()
    const color = !args.json && process.stdout.isTTY && !process.env.NO_COLOR
    const report = args.json ? jsonReporter(write) : humanReporter({ diff: false, verbose: 0, color: !!color, write })
    report(merged)
    process.exitCode = merged.exitCode
  },
}
