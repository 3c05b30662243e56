/**
 * README.md and docs/ as a reader uses them: every relative link leads to a
 * file (and a heading, where it names one); every `kvmplay` command shown in
 * a ```sh block names a command that exists and flags that command's own
 * --help lists (and a shipped playbook that exists); every ```ts block that
 * imports kvmplay type-checks, as `kvmplay run` would check a playbook; and
 * the README stays a five-minute read that starts with the set-up commands.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDirs } from './helpers/temp.ts'
import { typecheckPlaybook } from '../src/core/typecheck.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const temp = tempDirs('docs')
test.after(temp.removeAll)

const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8')

interface Block { page: string; lang: string; line: number; body: string }

function blocksOf(page: string): Block[] {
  const blocks: Block[] = []
  let open: Block | undefined
  read(page).split('\n').forEach((l, i) => {
    const fence = /^```(\w*)\s*$/.exec(l)
    if (open && l === '```') {
      blocks.push(open)
      open = undefined
    } else if (open) open.body += `${l}\n`
    else if (fence) open = { page, lang: fence[1], line: i + 1, body: '' }
  })
  return blocks
}

/** The page without its fenced blocks: prose and tables, where links are. */
const proseOf = (page: string) => read(page).replace(/^```\w*\n[\s\S]*?^```$/gm, '')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
function anchorsOf(page: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  for (const m of proseOf(page).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const slug = m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return anchors
}

test('every relative link in README.md and docs/ leads to a file, and to a heading where it names one', () => {
  const broken: string[] = []
  let links = 0
  for (const page of PAGES) {
    for (const m of proseOf(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]
      if (/^[a-z]+:/i.test(target)) continue
      links++
      const [path, anchor] = target.split('#') as [string, string | undefined]
      const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), path)
      if (!existsSync(file)) broken.push(`${page}: ${target} (no ${relative(ROOT, file)})`)
      else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(relative(ROOT, file)).has(anchor)) broken.push(`${page}: ${target} (no such heading)`)
    }
  }
  assert.ok(links > 50, `only ${links} links found: the scan is broken`)
  assert.equal(broken, [])
})

/** Shell words, quotes honoured; `|`, `;`, `&`, `&&` and redirections end a command (as words of their own). */
function words(line: string): string[] {
  const out: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      word ??= ''
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word)
      word = undefined
    } else if (c === '#' && word === undefined) break
    else if ('|;&>'.includes(c)) {
      if (word !== undefined) out.push(word)
      out.push(c)
      word = undefined
    } else word = (word ?? '') + c
  }
  if (word !== undefined) out.push(word)
  return out
}

/** Each `kvmplay …` command of the pages' ```sh blocks, as words, with where it is. */
function commands(): { where: string; argv: string[] }[] {
  const found: { where: string; argv: string[] }[] = []
  for (const page of PAGES) {
    for (const b of blocksOf(page).filter((b) => b.lang === 'sh')) {
      b.body.replace(/\\\n/g, ' ').split('\n').forEach((line, i) => {
        const w = words(line)
        w.forEach((word, at) => {
          if (word !== 'kvmplay') return
          const end = w.findIndex((x, j) => j > at && '|;&>'.includes(x))
          found.push({ where: `${page}:${b.line + 1 + i}`, argv: w.slice(at + 1, end === -1 ? undefined : end) })
        })
      })
    }
  }
  return found
}

/** The flags and commands a --help lists, from its left column. */
function helpOf(args: string[]): { flags: Set<string>; commands: Set<string> } {
  const res = spawnSync(process.execPath, [join(ROOT, 'bin/kvmplay.mjs'), ...args, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  assert.is(res.status, 0, `kvmplay ${args.join(' ')} --help: ${res.stderr}`)
  const flags = new Set<string>()
  const cmds = new Set<string>()
  for (const line of res.stdout.split('\n')) {
    const opt = /^\s{2,}((?:-{1,2}[\w-]+(?:, )?)+)/.exec(line)
    if (opt) for (const f of opt[1].split(', ')) flags.add(f)
    const cmd = new RegExp(`^\\s{2}kvmplay ${args.map((a) => `${a} `).join('')}(\\w+)`).exec(line)
    if (cmd) cmds.add(cmd[1])
  }
  return { flags, commands: cmds }
}

test("every `kvmplay` command in the pages' sh blocks names a command that exists, with flags its --help lists", () => {
  const all = commands()
  assert.ok(all.length > 30, `only ${all.length} commands found: the scan is broken`)
  const helps = new Map<string, ReturnType<typeof helpOf>>()
  const help = (args: string[]) => helps.get(args.join(' ')) ?? helps.set(args.join(' '), helpOf(args)).get(args.join(' '))!
  const wrong: string[] = []
  for (const { where, argv } of all) {
    const [sub, action] = argv
    if (!help([]).commands.has(sub)) {
      wrong.push(`${where}: kvmplay ${sub}: no such command`)
      continue
    }
    const path = sub === 'lab' ? [sub, action] : [sub]
    if (sub === 'lab' && !help(['lab']).commands.has(action)) {
      wrong.push(`${where}: kvmplay lab ${action}: no such lab command`)
      continue
    }
    const { flags } = help(path)
    for (const arg of argv.slice(path.length)) {
      if (arg === '--') break
      const long = /^--([\w-]+)/.exec(arg)
      const names = long ? [`--${long[1]}`] : /^-[a-zA-Z]+$/.test(arg) ? [...arg.slice(1)].map((c) => `-${c}`) : []
      for (const name of names) {
        const negated = name.startsWith('--no-') && flags.has(`--${name.slice(5)}`)
        if (!flags.has(name) && !negated) wrong.push(`${where}: kvmplay ${path.join(' ')}: ${name} is not in its --help`)
      }
    }
    // A shipped playbook named by its path must be there.
    const playbook = sub === 'run' ? argv.slice(1).find((a) => a.endsWith('.play.ts')) : undefined
    if (playbook && /^(playbooks|bench)\//.test(playbook) && !existsSync(join(ROOT, playbook))) wrong.push(`${where}: ${playbook} does not exist`)
  }
  assert.equal(wrong, [])
})

test('every ts block that imports kvmplay type-checks, as `kvmplay run` checks a playbook', async () => {
  const blocks = PAGES.flatMap(blocksOf).filter((b) => b.lang === 'ts' && /from 'kvmplay(\/tasks)?'/.test(b.body))
  assert.ok(blocks.length >= 4, `only ${blocks.length} blocks found`)
  const selfContained = blocks.filter((b) => !/from '\.{1,2}\//.test(b.body))
  const dir = temp.make()
  const saved = process.env.KVMPLAY_CACHE_DIR
  process.env.KVMPLAY_CACHE_DIR = join(dir, 'cache')
  try {
    mkdirSync(join(dir, 'blocks'))
    const names = selfContained.map((b, i) => {
      const name = `block${i}.ts`
      writeFileSync(join(dir, 'blocks', name), b.body)
      return name
    })
    // One compiler run for all of them: an entry that imports each block.
    const entry = join(dir, 'blocks', 'all.ts')
    writeFileSync(entry, names.map((n) => `import './${n}'\n`).join(''))
    const result = await typecheckPlaybook(entry)
    assert.is(result.skipped, undefined, `not type-checked: ${result.skipped}`)
    // Each error where a reader sees it: the page and its line.
    const where = (file: string | undefined, line = 0) => {
      const b = selfContained[names.findIndex((n) => file?.endsWith(`/${n}`))]
      return b ? `${b.page}:${b.line + line}` : String(file)
    }
    assert.equal(result.errors.map((d) => `${where(d.file, d.line)}: ${d.code}: ${d.message}`), [])
  } finally {
    if (saved === undefined) delete process.env.KVMPLAY_CACHE_DIR
    else process.env.KVMPLAY_CACHE_DIR = saved
  }
})

test('README.md starts with the set-up commands, shows bridge.play.ts as it is, and stays short', () => {
  const readme = read('README.md')
  assert.ok(readme.startsWith('```sh\nbash scripts/bootstrap.sh && npm run demo '), 'the first line is the demo command')
  assert.match(readme.split('\n')[2], /^bash scripts\/bootstrap\.sh && npm test /)
  const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0)
  assert.ok(lines <= 160, `README.md has ${lines} lines`)
  const shown = blocksOf('README.md').find((b) => b.lang === 'ts' && b.body.includes("name: 'bridge br0 over the uplink'"))
  assert.ok(shown, 'README.md shows playbooks/bridge.play.ts')
  assert.fixture(shown!.body, read('playbooks/bridge.play.ts'))
})

test.run()
