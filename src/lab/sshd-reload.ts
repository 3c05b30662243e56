/**
 * `lab up --login` on running hosts: their sshd reads its changed drop-in
 * again without a rebuild, as after an admin's edit and `service ssh reload`.
 */
import { readFileSync } from 'node:fs'
import { hostPlan } from './addressing.ts'
import { netnsPids } from './host.ts'
import type { Lab } from './state.ts'

/**
 * Tells the sshd of every running host of the lab to read its config again,
 * as Debian's `service ssh reload` does: SIGHUP to the PID in sshd's pid file
 * (PidFile's default, /run/sshd.pid, in the host's own /run). That PID is the
 * host's (its own PID namespace), mapped back through each process's NSpid.
 * A listener's command line is no guide: sshd rewrites it ("… [listener] 0 of
 * 10-100 startups").
 */
export async function reloadSshd(lab: Lab, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    const pids = await netnsPids(hostPlan(lab, i).netns)
    const listener = sshdListener(pids)
    if (listener) process.kill(listener, 'SIGHUP')
  }
}

/** The machine's PID of the host's sshd listener, from the pid file its processes see; undefined if there is none. */
function sshdListener(pids: number[]): number | undefined {
  const inHost = (pid: number) => Number(/^NSpid:.*\s(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  for (const pid of pids) {
    try {
      // Through a process of the host, its /run (the first such process the host's nsenter, whose root is the machine's: no match there).
      const written = Number(readFileSync(`/proc/${pid}/root/run/sshd.pid`, 'utf8').trim())
      const listener = pids.find((p) => inHost(p) === written && readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sshd')
      if (listener) return listener
    } catch {
      // gone meanwhile, or no pid file in its view
    }
  }
  return undefined
}
