/** What each host was built with, in the lab's record: kept, compared, forgotten. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recordChoices, recordedChoices, sameChoices } from '../../src/lab/choices.ts'
import { readRecord, writeRecord } from '../../src/lab/state.ts'
import type { HostChoices } from '../../src/lab/choices.ts'

const choices: HostChoices = { profile: 'ifupdown-cloud', dhcp: false, guests: [], guestsStopped: true }

test('a host built with its guests stopped is recorded so, and a host from before the choice reads as running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmplay-choices-'))
  try {
    const lab = { name: 'lab', net: '198.18', dir } as const
    writeRecord(lab, 2)
    recordChoices(lab, 'h1', choices)
    assert.equal(recordedChoices(lab, 'h1'), choices)
    assert.equal(recordedChoices(lab, 'h2'), { profile: 'none', dhcp: false, guests: [], guestsStopped: false })
    assert.equal(readRecord(dir)?.hostGuestsStopped, { h1: true })
    recordChoices(lab, 'h1', undefined)
    assert.equal(readRecord(dir)?.hostGuestsStopped, {})
    assert.equal(readRecord(dir)?.hostProfiles, {})
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a host is kept only when every choice is the same', () => {
  assert.ok(sameChoices(choices, { ...choices }))
  assert.not.ok(sameChoices(choices, { ...choices, guestsStopped: false }))
  assert.not.ok(sameChoices(choices, { ...choices, profile: 'ifupdown' }))
  assert.not.ok(sameChoices(choices, { ...choices, guests: ['lease'] }))
  assert.not.ok(sameChoices(choices, { ...choices, dhcp: true }))
})

test.run()
