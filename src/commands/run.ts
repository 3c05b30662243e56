/** `kvmplay run PLAYBOOK -i INVENTORY`: the yargs face of the runner. */
import { stdoutLines } from '../core/stdout-lines.ts'
import { readReportTarget } from './report-file.ts'
import { dirname } from 'node:path'
import { keptReport } from './report-state.ts'
import type { Argv, CommandModule } from 'yargs'
import { loadPlaybook } from '../core/load-playbook.ts'
import { loadInventory } from '../inventory/index.ts'
import { parseExtraVars } from '../core/extra-vars.ts'
import { rolloutBatches, validateMaxFail } from '../core/rollout.ts'
import { runPlaybook, DEFAULT_FORKS } from '../core/runner.ts'
import type { RunHost } from '../core/runner.ts'
import { humanReporter, jsonReporter, outputWidth } from '../core/report.ts'
import { liveReporter } from '../core/live-report.ts'
import { tasksReporter } from '../core/tasks-report.ts'
import { connect, targetFromVars } from '../connection/index.ts'
import { closeJumpHosts } from '../connection/jump-hosts.ts'
import { connectionHandover } from './connection-handover.ts'
import { DEFAULT_MAX_HANDSHAKES, setMaxHandshakes } from '../connection/handshakes.ts'
import { ensureOpenFiles, openFilesNeeded } from '../connection/open-files.ts'
import { KvmplayError, BAD_INPUT_KINDS, isKvmplayError } from '../core/errors.ts'
import { EXIT, exitCodesLine } from '../core/exit-codes.ts'
import { INTERRUPT_GRACE_MS } from '../core/interruption.ts'
import { becomeFor, checkBecomeMethod } from '../connection/become-settings.ts'
import { askPassword, readPasswordFile } from './become-password.ts'
import type { TaskBecome } from '../core/task.ts'
import { reservationOptions, reservationsLine, runReservationsSpec } from './run-reservations.ts'
import type { RunReservationArgs } from './run-reservations.ts'
import { planRunReservations } from '../guests/reservations-run.ts'
import { reservedByMac } from '../guests/report-reserved.ts'
import type { RunReservations } from '../guests/reservations-run.ts'
import type { PlaybookReservations } from '../guests/reservations-spec.ts'
import { checkTypesFirst, syntaxCheck } from './typecheck-step.ts'
import { buildTasksFirst } from '../core/preflight.ts'
import { ansibleFlagOptions, listing, selectionOf, withLoginDefaults } from './run-ansible-flags.ts'
import type { AnsibleFlagArgs } from './run-ansible-flags.ts'
import { listRun } from './run-list.ts'
import { runHostNames } from './run-hosts.ts'
import { withReportVar, writeRunReport } from './run-report.ts'
import { stepPrompt } from './step-prompt.ts'
import { configSources, withRunDefaults } from './run-config.ts'
import { usingLine } from '../config/run-defaults.ts'
import { vaultSecrets } from './vault-passwords.ts'
import type { VaultArgs } from './vault-passwords.ts'
import { keepVaultValuesOut } from './vault-redact.ts'
import type { PasswordUse } from './become-password.ts'

export interface RunArgs extends RunReservationArgs, AnsibleFlagArgs, VaultArgs {
  playbook: string
  inventory: string
  check?: boolean
  diff?: boolean
  limit?: string
  slice?: string
  forks: number
  extraVars?: string[]
  json?: boolean
  progress?: boolean
  verbose: number
  knownHosts?: string
  acceptNewHostKeys?: boolean
  timeout?: number
  commandTimeout: number
  sshConfig?: string
  maxHandshakes: number
  serial?: string
  maxFailPercentage?: number
  become?: boolean
  becomeMethod?: string
  becomeUser?: string
  askBecomePass?: boolean
  becomePasswordFile?: string
  report?: string
  acceptStaticGuests?: boolean
  typecheck?: boolean
  syntaxCheck?: boolean
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

/** The run's one become password, read or asked once, before any host is contacted. */
async function runPassword(args: RunArgs): Promise<string | undefined> {
  if (args.becomePasswordFile !== undefined && args.askBecomePass) throw new KvmplayError('usage', 'give either -K (--ask-become-pass) or --become-password-file, not both')
  if (args.becomePasswordFile !== undefined) return readPasswordFile(args.becomePasswordFile)
  return args.askBecomePass ? askPassword() : undefined
}

const SSH_PASSWORD: PasswordUse = { flag: '-k (--ask-pass)', what: 'SSH password', instead: "give the hosts' ansible_password in a vault instead", check: (typed) => typed }

/** The SSH password of -k, asked once before any host: for hosts whose inventory gives none. */
const sshPassword = (args: RunArgs) => (args.askPass ? askPassword('SSH password: ', SSH_PASSWORD) : undefined)

/** Everything that can be wrong with the input, found before any host is contacted. */
export async function prepareRun(args: RunArgs) {
  await checkTypesFirst(args.playbook, args.typecheck)
  const { playbook, file } = await loadPlaybook(args.playbook)
  // group_vars/ and host_vars/ beside the playbook too, as ansible-playbook reads them. The vaulted values of the
  // hosts the run works on are decrypted as their vars are read below: a wrong password stops the run before any host.
  const inventory = loadInventory(args.inventory, { playbookDir: dirname(file), vault: await vaultSecrets(args) })
  // From here on, a decrypted value is masked in whatever is printed (nothing is, until one is decrypted).
  keepVaultValuesOut()
  const extraVars = parseExtraVars(args.extraVars ?? [])
  // The acknowledgment that guests configured inside may move (and lose their address): a run var editDomainInterface reads.
  if (args.acceptStaticGuests) extraVars.accept_static_guests = true
  // --report FILE: its directory must exist, and a file already there must be a report (an earlier run's), before any host is touched.
  // Without --report: the inventory's report kept in kvmplay's state directory (report-state.ts), read back if there is one.
  const report = args.report === undefined ? keptReport(args.inventory) : readReportTarget(args.report)
  const names = runHostNames(args, inventory, playbook)
  if (args.serial !== undefined) rolloutBatches(names, args.serial)
  if (args.maxFailPercentage !== undefined) validateMaxFail(args.maxFailPercentage)
  if (args.becomeMethod !== undefined) checkBecomeMethod(args.becomeMethod, '--become-method')
  // A playbook loaded from a file: its reservations' shape is checked by resolveSpec, field by field.
  const reservations = runReservationsSpec(args, playbook.reservations as PlaybookReservations | undefined, dirname(file))
  const password = await runPassword(args)
  const loginPassword = await sshPassword(args)
  const cliBecome = { become: args.become, becomeMethod: args.becomeMethod, becomeUser: args.becomeUser }
  const hosts: RunHost[] = names.map((name) => {
    const h = withReportVar(inventory.hosts.get(name)!, report)
    const vars = withLoginDefaults({ ...h.vars, ...playbook.vars, ...extraVars }, args)
    const target = targetFromVars(name, vars, {
      knownHostsFile: args.knownHosts,
      acceptNewHostKeys: args.acceptNewHostKeys,
      connectTimeoutMs: args.timeout === undefined ? undefined : args.timeout * 1000,
      commandTimeoutMs: args.commandTimeout * 1000,
      sshConfigFile: args.sshConfig,
    })
    if (target.kind !== 'ssh') return { name, vars: h.vars, groups: h.groups, target }
    target.password ??= loginPassword
    target.become = becomeFor(name, vars, playbook, cliBecome, password)
    // A task's own keywords over the play's, under the host's vars (Ansible's order).
    const targetFor = (task: TaskBecome) => ({ ...target, become: becomeFor(name, vars, { ...playbook, ...defined(task) }, cliBecome, password) })
    return { name, vars: h.vars, groups: h.groups, target, targetFor }
  })
  // Tasks built per host are built for every host now: their options are checked before any host is contacted.
  await buildTasksFirst(playbook, hosts.map((h) => ({ ...h, vars: { ...h.vars, ...playbook.vars, ...extraVars } })), dirname(file))
  const jumpHosts = new Set(hosts.flatMap((h) => (h.target.kind === 'ssh' ? h.target.jumps.map((j) => `${j.user}@${j.address}:${j.port}`) : [])))
  const atOnce = Math.min(hosts.length, args.forks)
  ensureOpenFiles(openFilesNeeded(atOnce, jumpHosts.size), atOnce)
  return { playbook, file, hosts, extraVars, reservations, report }
}

/** run's options and help; the config files' values go under them (withRunDefaults). */
const runOptions = (y: Argv): Argv<RunArgs> =>
  ansibleFlagOptions(reservationOptions(y))
      .positional('playbook', { type: 'string', demandOption: true, describe: 'Playbook file (*.play.ts), loaded as it is' })
      .option('inventory', { alias: 'i', type: 'string', demandOption: true, describe: 'Ansible inventory: a YAML or INI file, an executable script (--list), or a directory of them; group_vars/ and host_vars/ beside it and beside the playbook apply' })
      .option('check', { alias: 'C', type: 'boolean', describe: 'Plan only: report what would change, change nothing' })
      .option('diff', { alias: 'D', type: 'boolean', describe: 'Show unified diffs of the files and XML that change (or would); a file others cannot read, or a secret one, by its sha256 and line count only' })
      .option('limit', { alias: 'l', type: 'string', describe: "Only hosts matching this pattern too (e.g. 'h1:h2', 'web*:!web3', 'kvm:&dc1')" })
      .option('slice', { type: 'string', describe: "Run only share I of N of the selected hosts (e.g. '2/4'): N workers with the same inventory and --limit cover each host once; merge their --json recaps with 'kvmplay recap merge'" })
      .option('forks', { alias: 'f', type: 'number', default: DEFAULT_FORKS, describe: 'Hosts worked on at once' })
      .option('extra-vars', { alias: 'e', type: 'string', array: true, describe: 'Extra vars: key=value, a JSON/YAML object, or @file (repeatable; win over all others)' })
      .option('json', { type: 'boolean', describe: 'Print events as JSON, one object a line, ending with the recap' })
      .option('progress', { type: 'boolean', describe: 'A live progress line under the changed and failed tasks (default: on a terminal); --no-progress: every task a plain line' })
      .option('verbose', { alias: 'v', type: 'count', describe: 'More detail: reasons for ok tasks, the steps of changed ones (-vv: more)' })
      .option('known-hosts', { type: 'string', describe: "known_hosts file to check host keys against (instead of the inventory's UserKnownHostsFile or ~/.ssh/known_hosts)" })
      .option('accept-new-host-keys', { type: 'boolean', describe: 'Trust unknown host keys on first use and record them (changed keys are still refused)' })
      .option('timeout', { alias: 'T', type: 'number', describe: "SSH connect timeout, seconds (wins over ssh_config's ConnectTimeout)", defaultDescription: 'ConnectTimeout, else 10' })
      .option('command-timeout', { type: 'number', default: 600, describe: 'Timeout of one remote command, seconds' })
      .option('ssh-config', { alias: 'F', type: 'string', describe: "ssh_config file for hosts whose ansible_ssh_common_args name none (instead of ~/.ssh/config and /etc/ssh/ssh_config)" })
      .option('max-handshakes', { type: 'number', default: DEFAULT_MAX_HANDSHAKES, describe: 'SSH handshakes in flight at once, in all (at most 8 to any one sshd, under its MaxStartups)' })
      .option('serial', { type: 'string', describe: "Rolling batches: hosts per batch, a percentage, or a list such as '1,10%,100%' (a canary first); overrides the playbook's" })
      .option('max-fail-percentage', { type: 'number', describe: 'Stop the rollout when more than this percentage of a batch fails (default with --serial: 0)' })
      .option('become', { alias: 'b', type: 'boolean', describe: "Run the commands as another user (Ansible's become; the hosts' ansible_become wins)" })
      .option('become-method', { type: 'string', describe: 'How to become it: sudo (default), su, doas' })
      .option('become-user', { type: 'string', describe: 'Whom to become (default root)' })
      .option('ask-become-pass', { alias: 'K', type: 'boolean', describe: 'Ask for the become password once, on the terminal (no echo), for every host' })
      .option('become-password-file', { type: 'string', describe: 'Read the become password from the first line of this file' })
      .option('report', { type: 'string', describe: "Write the run's report file here (the migration report: each guest's NAT identity before the move, its address after, the NAT network's XML and static entries), keeping what an earlier run's file recorded", defaultDescription: 'kept in $XDG_STATE_HOME/kvmplay/reports, one per inventory' })
      .option('typecheck', { type: 'boolean', default: true, describe: 'Type-check the playbook with the TypeScript compiler before anything runs; --no-typecheck skips it (the options of its tasks are checked still)' })
      .option('syntax-check', { type: 'boolean', describe: 'Only check the playbook — its types, then its tasks and their options — and exit; no host is contacted' })
      .option('vault-password-file', { alias: 'vault-pass-file', type: 'string', array: true, describe: 'Vault password from this file (an executable: its output), for vaulted values and files in the inventory (repeatable)' })
      .option('ask-vault-pass', { alias: ['J', 'ask-vault-password'], type: 'boolean', describe: 'Ask for the vault password once, on the terminal (no echo)' })
      .option('vault-id', { type: 'string', array: true, describe: "A vault password with its id: LABEL@FILE, LABEL@SCRIPT or LABEL@prompt (repeatable; the text's own id is tried first)" })
      .option('accept-static-guests', { type: 'boolean', describe: 'Move guests whose address is configured inside them (no lease, no static entry) off the NAT network anyway: they keep it on the bridge and are unreachable until changed from their console' })
      .example('$0 run playbooks/bridge.play.ts -i inventory/hosts.yaml', 'converge every host of the playbook')
      .example('$0 run site.play.ts -i hosts.yaml --check --diff -l h1', 'what would change on h1, as diffs')
      .example("$0 run nat.play.ts -i hosts.yaml -e dhcp_start=192.168.122.100", 'with an extra var')
      .example("$0 run migrate-nat-to-bridge.play.ts -i hosts.yaml --serial 1,25%", 'one canary host, then a quarter of the fleet at a time')
      .example('$0 run migrate-nat-to-bridge.play.ts -i hosts.yaml --reservations-range 198.51.100.50-198.51.100.99 --reservations-format dnsmasq --reservations-out guests.conf', "the LAN DHCP server's reservations, checked before anything moves")
      .example('$0 run migrate-nat-to-bridge.play.ts -i hosts.yaml --report migration.json', "the migration, with each guest's NAT identity and new address in migration.json")
      .example('$0 run site.play.ts -i hosts.yaml -b -K', 'log in as ansible_user, sudo to root, the password asked once')
      .epilogue(exitCodesLine()) as unknown as Argv<RunArgs>

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <playbook>',
  describe: 'Converge the hosts of an inventory with a TypeScript playbook',
  builder: (y) => withRunDefaults(runOptions(y)),
  handler: async (args) => {
    let prepared
    try {
      if (args.syntaxCheck) return await syntaxCheck(args)
      const what = listing(args)
      if (what) {
        for (const line of await listRun(args, what)) console.log(line)
        return
      }
      prepared = await prepareRun(args)
    } catch (err) {
      const e = err as Error & { exitCode?: number }
      e.exitCode = isKvmplayError(e) && BAD_INPUT_KINDS.has(e.kind) ? EXIT.BAD_INPUT : EXIT.ERROR
      throw e
    }
    const write = stdoutLines()
    // As ansible-playbook -v says which ansible.cfg it read: here every file (and ANSIBLE_* variables) an option came from.
    if (args.verbose > 0 && !args.json) for (const source of configSources()) write(usingLine(source))
    const human = { diff: args.diff ?? false, verbose: args.verbose ?? 0, color: process.stdout.isTTY === true && !process.env.NO_COLOR, width: outputWidth() }
    // On a terminal: a live progress line under the task lines that matter; elsewhere plain lines, every task's.
    // --step asks on the terminal: no live line redrawn over its questions; --output tasks prints blocks, not a stream.
    const grouped = args.output === 'tasks'
    const live = !args.json && !args.step && !grouped && (args.progress ?? process.stdout.isTTY === true) ? liveReporter(human) : undefined
    const onEvent = args.json ? jsonReporter(write) : grouped ? tasksReporter({ ...human, write }) : live ? live.onEvent : humanReporter({ ...human, write })
    // Ctrl-C / SIGTERM: start no new host or task, give what runs a few seconds, then abandon it
    // (interruption.ts); again: abandon it now; a third time: quit with no recap.
    const abort = new AbortController()
    const abandon = new AbortController()
    const onSignal = (sig: string) => {
      if (abandon.signal.aborted) process.exit(EXIT.INTERRUPTED)
      if (abort.signal.aborted) {
        process.stderr.write(`\nkvmplay: ${sig}: abandoning the hosts still at work now (again to quit with no recap)\n`)
        return abandon.abort()
      }
      process.stderr.write(`\nkvmplay: ${sig}: starting nothing new; what runs has ${INTERRUPT_GRACE_MS / 1000} s to finish (again to abandon it now)\n`)
      abort.abort()
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
    setMaxHandshakes(args.maxHandshakes)
    // The reservations' reading logs in to every host first; the run goes on over those connections.
    const handover = connectionHandover(connect)
    let reserved: RunReservations['reservations'] = []
    if (prepared.reservations) {
      // Before any task: a range too small for the fleet stops the run here, with nothing moved.
      const playbookDir = dirname(prepared.file)
      const vars = (h: RunHost) => ({ ...h.vars, ...prepared.playbook.vars, ...prepared.extraVars })
      // Kept only when every host starts at once: a connection idle while earlier batches (or forks) run could be dropped, and more would be open than --forks allows for.
      const oneGo = (args.serial ?? prepared.playbook.serial) === undefined && prepared.hosts.length <= args.forks
      const planned = await planRunReservations(prepared.reservations.options, {
        hosts: prepared.hosts, vars, connect, keep: oneGo ? handover.keep : undefined, forks: args.forks, check: args.check ?? false, playbookDir, network: prepared.reservations.network,
      }).catch(async (err) => {
        await handover.closeRest()
        await closeJumpHosts()
        const e = err as Error & { exitCode?: number }
        e.exitCode = isKvmplayError(e) && BAD_INPUT_KINDS.has(e.kind) ? EXIT.BAD_INPUT : isKvmplayError(e, 'connect') ? EXIT.UNREACHABLE : EXIT.ERROR
        throw e
      })
      write(reservationsLine(planned, args.json ?? false))
      reserved = planned.reservations
    }
    // Under --json the questions go to stderr: stdout stays one JSON object a line.
    const step = args.step ? stepPrompt(process.stdin, args.json ? process.stderr : process.stdout) : undefined
    const summary = await runPlaybook(prepared.playbook, prepared.hosts, {
      select: selectionOf(args),
      confirm: step?.confirm,
      signal: abort.signal,
      abandonSignal: abandon.signal,
      serial: args.serial,
      maxFailPercentage: args.maxFailPercentage,
      check: args.check,
      forks: args.forks,
      extraVars: prepared.extraVars,
      playbookDir: dirname(prepared.file),
      previousReport: prepared.report?.previous,
      reserved: reservedByMac(reserved, prepared.report?.previous),
      connect: handover.connect,
      onEvent,
      onProgress: live?.onProgress,
    }).finally(async () => {
      live?.stop()
      step?.close()
      await handover.closeRest()
      await closeJumpHosts()
    })
    process.exitCode = summary.exitCode
    // The recap is out: whatever a host still holds (a login to a host that stopped answering, an
    // abandoned host's socket) must not keep the run from ending. Every connection is closed by now,
    // so this only ever cuts a straggler short.
    setTimeout(() => process.exit(process.exitCode), abort.signal.aborted ? 1000 : 3000).unref()
    const note = writeRunReport(prepared.report, summary.sections, reserved, args.check ?? false)
    if (note && args.json) process.stderr.write(note + '\n')
    else if (note) write(note)
  },
}
