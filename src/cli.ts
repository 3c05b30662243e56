/**
 * The command line: yargs only. Parses, calls into the library, prints, and
 * maps outcomes to exit codes (src/core/exit-codes.ts).
 */
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { labCommand } from './commands/lab.ts'
import { runCommand } from './commands/run.ts'
import { reservationsCommand } from './commands/reservations.ts'
import { recapCommand } from './commands/recap.ts'
import { EXIT, exitCodesLine } from './core/exit-codes.ts'

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('kvmplay')
    .usage('kvmplay — converge KVM hypervisors with TypeScript playbooks over SSH\n\nUsage: $0 <command> [options]')
    .command(runCommand)
    .command(labCommand)
    .command(reservationsCommand)
    .command(recapCommand)
    .demandCommand(1, 'Name a command: kvmplay run --help, kvmplay lab --help, kvmplay reservations --help, kvmplay recap --help')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilogue(`Docs: README.md and docs/. ${exitCodesLine()}`)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err
      console.error(`kvmplay: ${onceEach(msg)}\nRun '${helpFor(argv)}' for usage.`)
      process.exit(EXIT.BAD_INPUT)
    })
  skipHelpCache(cli)
  await cli.parseAsync()
}

const COMMANDS = new Set(['run', 'lab', 'reservations', 'recap'])

/** The help that explains a mistake: the command's own (`kvmplay run --help`) once a command is named. */
function helpFor(argv: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'))
  return command !== undefined && COMMANDS.has(command) ? `kvmplay ${command} --help` : 'kvmplay --help'
}

/** "Unknown arguments: list-hots, listHots": yargs names each unknown flag twice (as typed, and camelCased); once is enough. */
function onceEach(msg: string): string {
  const m = /^(Unknown arguments?): (.*)$/.exec(msg)
  if (!m) return msg
  const names = m[2].split(', ')
  const camel = (n: string) => n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
  const kept = names.filter((n) => !names.some((o) => o !== n && camel(o) === n))
  return `Unknown argument${kept.length === 1 ? '' : 's'}: ${kept.map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ')}`
}

/**
 * yargs renders the whole help text right after it starts a command's
 * handler, in case a later failure wants to show it: ~40 ms on the way to the
 * first host. Our fail handler never shows it, so the rendering is skipped.
 */
function skipHelpCache(cli: unknown): void {
  const internals = cli as { getInternalMethods(): { getUsageInstance(): { cacheHelpMessage(): void } } }
  internals.getInternalMethods().getUsageInstance().cacheHelpMessage = () => {}
}

main(hideBin(process.argv)).catch((err: unknown) => {
  const e = err as Error & { exitCode?: number }
  console.error(`kvmplay: ${e.message ?? String(err)}`)
  process.exit(e.exitCode ?? EXIT.ERROR)
})
