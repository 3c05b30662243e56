/**
 * A check the confirmed apply runs on the host (probe-run.ts): the cutover's
 * own notion, below the network layer that makes its probes (the gateway,
 * the playbook's: src/network/probes.ts).
 */
export interface Probe {
  /** What it checks, for messages: "the gateway 192.0.2.1 answers". */
  name: string
  /** Shell commands: exit 0 holds, 127 cannot run here, anything else does not hold. */
  command: string
  /** A probe that cannot run on the host is skipped (and said so) rather than failed. */
  optional?: boolean
  /** false: only meaningful after the change, so not checked before it. Default true. */
  precondition?: boolean
}

/** The exit code of a probe that cannot run: the shell's own for a missing command. */
export const CANNOT_RUN = 127
