/**
 * The slice of XDR (RFC 4506) that libvirt's RPC protocol needs: 32-bit
 * integers, strings, optional strings (XDR pointers) and fixed opaques, all
 * big-endian and padded to 4 bytes.
 */
export class XdrWriter {
  private parts: Buffer[] = []

  u32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeUInt32BE(v >>> 0)
    this.parts.push(b)
    return this
  }

  i32(v: number): this {
    const b = Buffer.alloc(4)
    b.writeInt32BE(v)
    this.parts.push(b)
    return this
  }

  /** Fixed-length opaque (a UUID's 16 bytes): no length word. */
  fixed(bytes: Buffer): this {
    this.parts.push(bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4))
    return this
  }

  string(s: string): this {
    const bytes = Buffer.from(s, 'utf8')
    return this.u32(bytes.length).fixed(bytes)
  }

  /** remote_string: a pointer, present or not. */
  optString(s: string | undefined): this {
    return s === undefined ? this.u32(0) : this.u32(1).string(s)
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts)
  }
}

export class XdrReader {
  private at = 0

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error(`XDR: ${n} bytes wanted at ${this.at}, ${this.buf.length - this.at} left`)
  }

  u32(): number {
    this.need(4)
    const v = this.buf.readUInt32BE(this.at)
    this.at += 4
    return v
  }

  i32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.at)
    this.at += 4
    return v
  }

  fixed(n: number): Buffer {
    this.need(n)
    const b = this.buf.subarray(this.at, this.at + n)
    this.at += n + ((4 - (n % 4)) % 4)
    return b
  }

  string(): string {
    return this.fixed(this.u32()).toString('utf8')
  }

  optString(): string | undefined {
    return this.u32() ? this.string() : undefined
  }

  array<T>(item: (r: XdrReader) => T): T[] {
    const n = this.u32()
    // Every item takes at least 4 bytes: a count beyond that is a broken message.
    this.need(n * 4)
    return Array.from({ length: n }, () => item(this))
  }
}
