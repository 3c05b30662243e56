/**
 * `!vault |` values in YAML (inventory files and vars files): decrypted in
 * the document itself, before it becomes JavaScript, so that an error can
 * name the variable and its line, and the value is then a plain string as
 * Ansible's templating sees it.
 */
import { isPair, isScalar, visit } from 'yaml'
import type { Document, LineCounter } from 'yaml'
import { decryptVault } from './vault.ts'
import type { VaultSecret } from './vault.ts'

export function revealVaultTags(doc: Document, secrets: readonly VaultSecret[], source: string, lines: LineCounter): void {
  visit(doc, {
    Scalar(_, node, path) {
      if (node.tag !== '!vault') return
      // The key it is the value of: with the file:line, what a user finds it by.
      const pair = path.filter(isPair).at(-1)
      const name = pair && isScalar(pair.key) ? String(pair.key.value) : '?'
      const at = (pair && isScalar(pair.key) ? pair.key.range : undefined) ?? node.range
      const line = at ? lines.linePos(at[0]).line : 1
      node.value = decryptVault(String(node.value ?? ''), secrets, `variable '${name}' (${source}:${line})`)
      node.tag = undefined
    },
  })
}
