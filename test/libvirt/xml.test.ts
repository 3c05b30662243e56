/**
 * The seam to @xmldom/xmldom: malformed XML is a 'fact' error naming what was
 * read, the element helpers read only what they say, and memoByXml parses
 * a text once and shares one frozen value.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseXml, children, child, attr, text, serialize, memoByXml } from '../../src/libvirt/xml.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const NETWORK = `<network>
  <name>br0</name>
  <forward mode='bridge'/>
  <bridge name='br0' stp=''/>
  <ip address='192.168.122.1'><dhcp><host mac='52:54:00:00:00:01'/></dhcp></ip>
  <!-- a comment -->
  <ip address='10.0.0.1'/>
  <description>   </description>
</network>`

test('parseXml: a document, with its root element', () => {
  const doc = parseXml(NETWORK, 'network br0')
  assert.is(doc.documentElement!.tagName, 'network')
  assert.match(serialize(doc), "<forward mode=\"bridge\"/>")
})

test('parseXml: XML that is not well-formed is a fact error naming what was read', () => {
  assert.is(errorMessageOf('fact', () => parseXml('<network>&nbsp;</network>', 'network br0')), 'network br0: not well-formed XML: entity not found:&nbsp;')
  // xmldom's fatal errors (mismatched tags, no root, two roots) too, not its own ParseError.
  for (const bad of ['<network><name>br0</network>', '', 'not xml', '<a/><b/>']) {
    assert.match(errorMessageOf('fact', () => parseXml(bad, 'network br0')), /^network br0: not well-formed XML: /)
  }
})

test('children: direct child elements of that tag only, in order; child: the first', () => {
  const root = parseXml(NETWORK, 'n').documentElement!
  assert.equal(children(root, 'ip').map((e) => attr(e, 'address')), ['192.168.122.1', '10.0.0.1'])
  assert.equal(children(root, 'host'), [], 'a grandchild is not a child')
  assert.equal(children(root, 'nope'), [])
  assert.is(attr(child(root, 'ip'), 'address'), '192.168.122.1')
  assert.is(child(root, 'nope'), undefined)
})

test('attr: the value, empty when set empty, undefined when absent or on no element', () => {
  const bridge = child(parseXml(NETWORK, 'n').documentElement!, 'bridge')
  assert.is(attr(bridge, 'name'), 'br0')
  assert.is(attr(bridge, 'stp'), '')
  assert.is(attr(bridge, 'delay'), undefined)
  assert.is(attr(undefined, 'name'), undefined)
})

test('text: trimmed text content; blank or missing is undefined', () => {
  const root = parseXml(NETWORK, 'n').documentElement!
  assert.is(text(child(root, 'name')), 'br0')
  assert.is(text(child(root, 'description')), undefined)
  assert.is(text(child(root, 'forward')), undefined)
  assert.is(text(undefined), undefined)
})

test('memoByXml: the same text is read once and gives the same frozen value, whatever it is called', () => {
  let reads = 0
  const read = memoByXml((xml, what) => (reads++, { what, names: children(parseXml(xml, what).documentElement!, 'name').map(text) }))
  const first = read(NETWORK, 'network br0')
  assert.is(read(NETWORK, 'network br0 again'), first)
  assert.is(reads, 1)
  assert.is(first.what, 'network br0', 'the value of the first read')
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.names), 'shared, so frozen all the way down')
  assert.is.not(read(NETWORK.replace('br0', 'br1'), 'network br1'), first)
  assert.is(reads, 2)
})

test('memoByXml: a read that throws is not kept; the next call reads again', () => {
  let reads = 0
  const read = memoByXml((xml, what) => (reads++, parseXml(xml, what).documentElement!.tagName))
  for (let i = 0; i < 2; i++) errorMessageOf('fact', () => read('<a>&bogus;</a>', 'domain vm1'))
  assert.is(reads, 2)
})

test('memoByXml: bounded, the oldest text out first', () => {
  let reads = 0
  const read = memoByXml((xml) => (reads++, xml.length))
  for (let i = 0; i <= 2048; i++) read(`<n i='${i}'/>`, 'n')
  assert.is(reads, 2049)
  read(`<n i='2048'/>`, 'n')
  assert.is(reads, 2049, 'the newest is kept')
  read(`<n i='0'/>`, 'n')
  assert.is(reads, 2050, 'the oldest was dropped')
})

test.run()
