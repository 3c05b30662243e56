/**
 * `!vault |` values in YAML (inventory files and vars files): each becomes a
 * VaultedValue in the document itself, before it becomes JavaScript, so that
 * it carries the variable's name and line for an error, and is decrypted when
 * a host that holds it is worked on (vault.ts).
 */
import { isPair, isScalar, visit } from 'yaml'
import type { Document, LineCounter } from 'yaml'
import { VaultedValue } from './vault.ts'

export function markVaultTags(doc: Document, source: string, lines: LineCounter): void {
  visit(doc, {
    Scalar(_, node, path) {
      if (node.tag !== '!vault') return
      // The key it is the value of: with the file:line, what a user finds it by.
      const pair = path.filter(isPair).at(-1)
      const name = pair && isScalar(pair.key) ? String(pair.key.value) : '?'
      const at = (pair && isScalar(pair.key) ? pair.key.range : undefined) ?? node.range
      const line = at ? lines.linePos(at[0]).line : 1
      node.value = new VaultedValue(String(node.value ?? ''), `variable '${name}' (${source}:${line})`)
      node.tag = undefined
    },
  })
}
