/** A Host for planning against canned facts: no connection, each fact answered by name. */
import type { Host } from '../../src/core/host.ts'
import type { Fact, FactRequest } from '../../src/facts/fact.ts'

export type CannedFacts = Record<string, (args: any) => unknown>

export function cannedHost(facts: CannedFacts, name = 'h1'): Host {
  const answer = (fact: Fact<unknown, unknown>, args: unknown) => {
    const f = facts[fact.name]
    if (!f) throw new Error(`no canned value for fact ${fact.name} (${fact.describe(args)})`)
    return f(args)
  }
  return {
    name,
    vars: {},
    groups: ['all'],
    playbookDir: '/nonexistent',
    fact: async (fact, args) => answer(fact as Fact<unknown, unknown>, args) as never,
    gather: (async (requests: readonly FactRequest[]) => requests.map((r) => answer(r.fact, r.args))) as unknown as Host['gather'],
  }
}
