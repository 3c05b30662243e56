/**
 * The one way a value reaches a remote shell. POSIX single quotes, which
 * every /bin/sh (dash included) treats as fully literal: no `$`, backtick,
 * backslash or newline is special inside them; a single quote itself is
 * closed, escaped and reopened ('\'').
 */
export function quote(value: string | number): string {
  const s = String(value)
  if (s.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell command')
  // Plain words need no quotes; keeps logged commands readable.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/**
 * Tagged template for remote commands: every interpolated value is quoted,
 * arrays become several quoted words. `sh\`sysctl -w ${key}=${value}\`` is safe
 * whatever key and value hold.
 */
export function sh(strings: TemplateStringsArray, ...values: (string | number | (string | number)[])[]): string {
  let out = strings[0]
  values.forEach((v, i) => {
    out += (Array.isArray(v) ? v.map(quote).join(' ') : quote(v)) + strings[i + 1]
  })
  return out
}
