/** ifupdown2 in place of ifupdown, in dpkg's status as apt would leave it (ifupdown2.ts). */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { statusWithIfupdown2 } from '../../src/lab/ifupdown2.ts'

const status = `Package: bash
Status: install ok installed
Version: 5.2

Package: ifupdown
Status: install ok installed
Version: 0.8.41
Conffiles:
 /etc/default/networking 3f34
Description: high level tools
 more text
`
const control = `Package: ifupdown2
Version: 3.0.0-1.1
Architecture: all
Conflicts: ifupdown
Description: Network Interface Management tool similar to ifupdown
 ifupdown2 is ifupdown re-written in Python.
`

test('ifupdown is left in config-files, ifupdown2 installed with its conffiles, the rest untouched', () => {
  const out = statusWithIfupdown2(status, control, [{ path: '/etc/default/networking', md5: 'abcd' }])
  const paras = out.trim().split('\n\n')
  assert.is(paras.length, 3)
  assert.is(paras[0], 'Package: bash\nStatus: install ok installed\nVersion: 5.2')
  assert.match(paras[1], /^Package: ifupdown\nStatus: deinstall ok config-files\n/)
  assert.is(
    paras[2],
    'Package: ifupdown2\nStatus: install ok installed\nVersion: 3.0.0-1.1\nArchitecture: all\nConflicts: ifupdown\nConffiles:\n /etc/default/networking abcd\n' +
      'Description: Network Interface Management tool similar to ifupdown\n ifupdown2 is ifupdown re-written in Python.',
  )
  // Again on its own output: one ifupdown2, still.
  assert.is(statusWithIfupdown2(out, control, []).split('Package: ifupdown2\n').length, 2)
})

test.run()
