/**
 * A command's output as it arrives, in chunks of any size: appended in
 * amortised constant time (capacity doubles) and searched only where new
 * bytes came in. Concatenating every chunk onto the whole, and searching the
 * whole again each time, cost time quadratic in the output: 300 KB arriving
 * in 3-byte chunks took seconds.
 */
export class OutputBuffer {
  private buf = Buffer.alloc(0)
  private len = 0
  /** How far a search has already looked (see from()). */
  private seen = 0

  append(chunk: Buffer): void {
    if (this.len + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + chunk.length, 4096))
      this.buf.copy(grown, 0, 0, this.len)
      this.buf = grown
    }
    chunk.copy(this.buf, this.len)
    this.len += chunk.length
  }

  /** The bytes so far (a view: valid until the next append or clear). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len)
  }

  /**
   * Where a search for a pattern of at most `longest` bytes must start to
   * see every match it has not seen yet; marks the bytes up to now as seen.
   */
  from(longest: number): number {
    const start = Math.max(0, this.seen - longest)
    this.seen = this.len
    return start
  }

  clear(): void {
    this.len = 0
    this.seen = 0
    // A large command's output is not kept alive by the next small one.
    if (this.buf.length > 1 << 20) this.buf = Buffer.alloc(0)
  }
}
