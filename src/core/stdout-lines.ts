/**
 * Lines to standard output that outlive its reader: `kvmplay run … | head`
 * closes the pipe early, and the next write fails with EPIPE, which Node
 * throws as an unhandled 'error' — killing the controller in the middle of
 * a run, between a change and its confirmation. A run that changes hosts
 * must finish what it started, so once the reader is gone its lines are
 * dropped (said once on stderr) and the run, its exit code and any
 * --report file go on as they would have.
 */
export function stdoutLines(stream: NodeJS.WriteStream = process.stdout, warn: (text: string) => void = (t) => process.stderr.write(t)): (line: string) => void {
  let gone = false
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    if (!gone) warn('kvmplay: standard output was closed; the run goes on, its further lines are dropped\n')
    gone = true
  })
  return (line) => {
    if (!gone) stream.write(line + '\n')
  }
}
