/** The registry of network systems: the names every list derives from, one fallback, templates that exist. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync } from 'node:fs'
import { NETWORK_SYSTEMS, SYSTEM_NAMES } from '../../../src/network/systems/index.ts'
import { validateBridgeOptions } from '../../../src/network/options.ts'

test('the names: one a system, in the registry\'s order, and what a playbook\'s backend may say', () => {
  assert.equal(SYSTEM_NAMES, ['networkmanager', 'netplan', 'ifupdown', 'ifupdown2', 'networkd', 'ifcfg'])
  assert.is(new Set(SYSTEM_NAMES).size, SYSTEM_NAMES.length)
  for (const name of SYSTEM_NAMES) validateBridgeOptions({ bridge: 'br0', backend: name })
  assert.throws(() => validateBridgeOptions({ bridge: 'br0', backend: 'wicked' as never }), /`backend` must be 'networkmanager', 'netplan', 'ifupdown', 'ifupdown2', 'networkd' or 'ifcfg', not "wicked"/)
})

test('exactly one fallback, for hosts no system claims', () => {
  assert.equal(NETWORK_SYSTEMS.filter((s) => s.fallback).map((s) => s.name), ['ifcfg'])
})

test("every system bridges a NIC, and names templates that exist under templates/", () => {
  for (const s of NETWORK_SYSTEMS) {
    assert.ok(s.uplinks.includes('nic'), s.name)
    const names = Object.values(s.templates)
    assert.ok(names.length > 0, `${s.name} names its templates`)
    for (const t of names) assert.ok(existsSync(new URL(`../../../templates/${t}`, import.meta.url)), `${s.name}: templates/${t}`)
  }
})

test.run()
