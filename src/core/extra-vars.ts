/**
 * -e / --extra-vars, as Ansible takes them: `key=value` (several, space
 * separated, values may be quoted), a JSON or YAML object, or @file.
 * Extra vars win over inventory and playbook vars.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { KvmplayError } from './errors.ts'

function fromObject(text: string, where: string): Record<string, unknown> {
  let value: unknown
  try {
    value = parse(text)
  } catch (err) {
    throw new KvmplayError('usage', `extra vars ${where}: not valid YAML or JSON: ${(err as Error).message}`)
  }
  if (value === null || value === undefined) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new KvmplayError('usage', `extra vars ${where}: must be a mapping of names to values`)
  return value as Record<string, unknown>
}

export function parseExtraVars(args: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {}
  for (const arg of args) {
    if (arg.startsWith('@')) {
      const file = arg.slice(1)
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        throw new KvmplayError('usage', `extra vars file ${file} cannot be read (-e @FILE takes a YAML or JSON file)`)
      }
      Object.assign(vars, fromObject(text, `from ${file}`))
    } else if (/^\s*[{]/.test(arg)) {
      Object.assign(vars, fromObject(arg, JSON.stringify(arg)))
    } else {
      const pairs = arg.match(/[^\s=]+=("[^"]*"|'[^']*'|\S*)/g)
      if (!pairs || pairs.join(' ').length < arg.trim().replace(/\s+/g, ' ').length) {
        throw new KvmplayError('usage', `extra vars ${JSON.stringify(arg)}: expected key=value (several separated by spaces), a JSON/YAML object, or @file`)
      }
      for (const pair of pairs) {
        const i = pair.indexOf('=')
        const key = pair.slice(0, i)
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new KvmplayError('usage', `extra var name ${JSON.stringify(key)} is not a valid variable name`)
        vars[key] = pair.slice(i + 1).replace(/^(["'])(.*)\1$/, '$2')
      }
    }
  }
  return vars
}
