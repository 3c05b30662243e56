/**
 * group_vars/ and host_vars/ (files and directories, YAML, JSON and no
 * extension, beside the inventory and beside the playbook), inventory
 * directories and dynamic inventory scripts: each host's vars as kvmplay
 * loads them, compared with `ansible-inventory --host` on the same files.
 */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { join } from 'node:path'
import { tempDirs } from '../helpers/temp.ts'
import { sameAsAnsible, writeTree } from '../helpers/inventory-tree.ts'

const temp = tempDirs('ansible-compare')

/** A key set at every level of Ansible's precedence, so that each level must beat the one before it. */
const INI = `[web]
w1 level=file_host own=w1
w2
[db]
d1
w2
[dc1:children]
web
db
[dc1:vars]
level=file_dc1
[web:vars]
level=file_web
web_only=1
[db:vars]
ansible_group_priority=5
level=file_db
[all:vars]
level=file_all
from_all=True
`

const beside = {
  'inv/group_vars/all.yml': 'level: inv_gv_all\nyaml11_bool: yes\noctal: 0644\nwhen: 2024-01-02\nlist: [1, two]\n',
  'inv/group_vars/web.yaml': 'level: inv_gv_web\nweb_list: [a, b]\nraw: !unsafe "{{ not templated }}"\nflag: on\nnothing:\nhex: 0x1F\n',
  // A directory: every file in sorted order, JSON and no extension too, subdirectories; not hidden files, backups, other extensions.
  'inv/group_vars/db/01-base.yml': 'db_a: 1\ndb_b: base\n',
  'inv/group_vars/db/02-over.json': '{"db_a": 2, "nested": {"k": [1, {"x": null}]}}',
  'inv/group_vars/db/03': 'db_b: no-extension\n',
  'inv/group_vars/db/.hidden.yml': 'db_hidden: 1\n',
  'inv/group_vars/db/old.yml~': 'db_backup: 1\n',
  'inv/group_vars/db/notes.txt': 'db_notes: 1\n',
  'inv/group_vars/db/sub/04.yml': 'db_sub: deep\n',
  // With no extension found first, dc1.yml is never read (Ansible stops at the first of NAME, .yml, .yaml, .json).
  'inv/group_vars/dc1': 'level: inv_gv_dc1\ndc1_plain: 1\n',
  'inv/group_vars/dc1.yml': 'dc1_yml: never\n',
  'inv/group_vars/ungrouped.yml': 'ug: 1\n',
  'inv/host_vars/w1.yml': 'level: inv_hv_w1\n',
  'inv/host_vars/w2.json': '{"level": "inv_hv_w2", "w2_json": true}',
  'inv/host_vars/d1/a.yml': 'd1_a: 1\nlevel: inv_hv_d1\n',
  'inv/host_vars/d1/b.yaml': 'd1_a: 2\n',
  // An empty file is no vars.
  'inv/host_vars/d1/c.yml': '',
}
const playbook = {
  'play/group_vars/all.yml': 'level: play_gv_all\nplay_all: 1\n',
  'play/group_vars/web.yml': 'level: play_gv_web\n',
  'play/host_vars/w1.yml': 'level: play_hv_w1\n',
}

test('group_vars/ and host_vars/ beside an INI inventory and beside the playbook: the same vars as ansible-inventory, host by host', async () => {
  const root = writeTree(temp.make(), { 'inv/hosts': INI, ...beside, ...playbook })
  const inv = await sameAsAnsible(join(root, 'inv/hosts'), { playbookDir: join(root, 'play') })
  // Ansible's order, spelled out: the playbook's host_vars last; the playbook's group_vars over the inventory's; db's priority over web's name.
  assert.is(inv.hosts.get('w1')!.vars.level, 'play_hv_w1')
  assert.is(inv.hosts.get('w2')!.vars.level, 'inv_hv_w2')
  assert.is(inv.hosts.get('w2')!.vars.db_b, 'no-extension')
  assert.is(inv.hosts.get('d1')!.vars.db_sub, 'deep')
  assert.is(inv.hosts.get('d1')!.vars.db_hidden, undefined)
})

test('without the playbook: the inventory files and the group_vars/ beside them alone, as ansible-inventory gives them', async () => {
  const root = writeTree(temp.make(), { 'inv/hosts': INI, ...beside, ...playbook })
  const inv = await sameAsAnsible(join(root, 'inv/hosts'))
  assert.is(inv.hosts.get('w1')!.vars.level, 'inv_hv_w1')
})

test('a YAML inventory with nested groups and priorities, group_vars/ beside it: the same vars as ansible-inventory', async () => {
  const yaml = `all:
  vars: {level: file_all}
  children:
    site:
      vars: {level: file_site, ansible_group_priority: 3}
      children:
        rack1:
          hosts:
            h1: {ansible_host: 192.0.2.1}
            h2:
        rack2:
          vars: {ansible_group_priority: 2}
          hosts:
            h2:
            h3: {level: file_host}
    other:
      hosts:
        h1:
`
  const root = writeTree(temp.make(), {
    'hosts.yml': yaml,
    'group_vars/site.yml': 'level: gv_site\nsite_v: 1\n',
    'group_vars/rack1.yml': 'level: gv_rack1\n',
    'group_vars/rack2.json': '{"level": "gv_rack2"}',
    'group_vars/other.yml': 'level: gv_other\n',
    'host_vars/h3.yml': 'extra: h3\n',
  })
  const inv = await sameAsAnsible(join(root, 'hosts.yml'))
  assert.is(inv.hosts.get('h2')!.vars.level, 'gv_rack2', 'rack2 priority 2 over rack1 (1), same depth')
})

const pythonScript = (list: object, hostvars: Record<string, object> | undefined) => `#!/usr/bin/env python3
import json, sys
meta = ${JSON.stringify(hostvars ?? null)}
data = json.loads(${JSON.stringify(JSON.stringify(list))})
if meta is not None:
    data["_meta"] = {"hostvars": meta}
if sys.argv[1:] == ["--list"]:
    print(json.dumps(data))
else:
    print(json.dumps({}))
`

test('an inventory directory: its sources in sorted order (YAML, INI with no extension, a script, a subdirectory), .ini/.md/hidden left out, its group_vars/ applied', async () => {
  const root = writeTree(temp.make(), {
    'inv/01-static.yml': 'all:\n  children:\n    web:\n      hosts:\n        w1: {x: static}\n',
    'inv/02-more': '[web]\nw2\n[db]\nd1 x=ini\nw1 x=later\n',
    'inv/03-cloud.py': pythonScript({ cloud: { hosts: ['c1', 'w1'], vars: { region: 'eu' } }, web: ['w3'] }, { c1: { x: 'script' }, w1: { y: 1 } }),
    'inv/sub/04.yaml': 'all:\n  hosts:\n    s1:\n',
    'inv/hosts.ini': '[ignored]\nz1\n',
    'inv/README.md': '# not an inventory\n',
    'inv/.hidden': '[ignored]\nz2\n',
    'inv/group_vars/web.yml': 'web_gv: 1\nx: gv\n',
    'inv/group_vars/cloud/main.yml': 'cloud_gv: 1\n',
    'inv/host_vars/c1.yml': 'c1_hv: 1\n',
  })
  const inv = await sameAsAnsible(join(root, 'inv'))
  assert.equal([...inv.hosts.keys()].sort(), ['c1', 'd1', 's1', 'w1', 'w2', 'w3'])
  assert.is(inv.hosts.get('w1')!.vars.x, 'later')
})

test('a dynamic inventory script (-i inventory.py): groups, children, vars and _meta.hostvars, with the group_vars/ beside it', async () => {
  const list = {
    all: { vars: { from_all: 1 } },
    kvm: { hosts: ['k1', 'k2'], vars: { uplink: 'eno1', ansible_group_priority: 2 }, children: ['edge'] },
    edge: { hosts: ['k3'], vars: { uplink: 'eno2' } },
    legacy: ['k4'],
  }
  const root = writeTree(temp.make(), {
    'inventory.py': pythonScript(list, { k1: { ansible_host: '192.0.2.11', tags: ['a'] }, k3: { uplink: 'eno3' } }),
    'group_vars/kvm.yml': 'from_gv: kvm\n',
    'host_vars/k2.yml': 'uplink: hv\n',
  })
  const inv = await sameAsAnsible(join(root, 'inventory.py'))
  assert.equal(inv.hosts.get('k3')!.groups, ['all', 'kvm', 'edge'])
})

test('a dynamic inventory without _meta: each host asked with --host NAME, as Ansible falls back', async () => {
  const root = writeTree(temp.make(), {
    'inv.sh': `#!/bin/sh
case "$1" in
  --list) echo '{"g": {"hosts": ["s1", "s2"], "vars": {"gv": 1}}, "all": {"vars": {"av": "x"}}}' ;;
  --host) printf '{"me": "%s", "gv": 2}\\n' "$2" ;;
esac
`,
  })
  const inv = await sameAsAnsible(join(root, 'inv.sh'))
  assert.is(inv.hosts.get('s2')!.vars.me, 's2')
})

test('several -i (a file, a directory, a host list), read in order: the same hosts, groups and vars as ansible-inventory -i … -i …', async () => {
  const root = writeTree(temp.make(), {
    'a/hosts': '[web]\nw1 v=a\n[web:vars]\ng=a\n',
    'a/group_vars/web.yml': 'from_a: 1\nboth: a\n',
    'b/01.yml': 'all:\n  children:\n    web:\n      vars: {g: b}\n      hosts:\n        w1: {v: b}\n        w2:\n',
    'b/group_vars/web.yml': 'from_b: 1\nboth: b\n',
  })
  const inv = await sameAsAnsible([join(root, 'a/hosts'), join(root, 'b'), 'l1,l2:2222,w2'])
  assert.equal(inv.hosts.get('w1')!.vars, { g: 'b', from_a: 1, both: 'b', from_b: 1, v: 'b' })
  assert.is(inv.hosts.get('l2')!.vars.ansible_port, 2222)
})

test.after(temp.removeAll)
test.run()
