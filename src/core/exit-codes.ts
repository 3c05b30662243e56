/**
 * kvmplay's exit codes, close to Ansible's so that wrappers written for
 * `ansible-playbook` keep working. Documented in docs/cli.md.
 */
export const EXIT = {
  /** Every host converged (or, with --check, planned) without failure. */
  OK: 0,
  /** kvmplay itself failed: a bug, or the lab could not be built. */
  ERROR: 1,
  /** At least one task failed on at least one host. */
  TASK_FAILED: 2,
  /** At least one host could not be reached (and none failed a task). */
  UNREACHABLE: 3,
  /** Bad input: command line, inventory, playbook, variables. Nothing was touched. */
  BAD_INPUT: 4,
  /** Interrupted (Ctrl-C, SIGTERM): no new host or task was started after it. */
  INTERRUPTED: 99,
} as const

/** What each code means, in the words of --help (one table, so a code added above is listed there too). */
export const EXIT_MEANINGS: Record<(typeof EXIT)[keyof typeof EXIT], string> = {
  0: 'ok',
  1: 'kvmplay failed',
  2: 'a task failed',
  3: 'a host unreachable',
  4: 'bad input (nothing touched)',
  99: 'interrupted (Ctrl-C, SIGTERM)',
}

/** "Exit codes: 0 ok, 1 kvmplay failed, …": every code, for the help's epilogue. */
export const exitCodesLine = (): string => `Exit codes: ${Object.entries(EXIT_MEANINGS).map(([code, meaning]) => `${code} ${meaning}`).join(', ')}.`
