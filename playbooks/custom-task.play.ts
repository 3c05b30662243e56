// A task of your own beside the playbook: lineInFile (tasks/line-in-file.ts)
// keeps sshd-style settings in a harmless example file, /etc/kvmplay-example.conf:
// PermitRootLogin set in place (commented out or not), any UseDNS line removed.
//   kvmplay run playbooks/custom-task.play.ts -i inventory.yaml --check --diff
import { playbook } from 'kvmplay'
import { lineInFile } from './tasks/line-in-file.ts'

const path = '/etc/kvmplay-example.conf'

export default playbook({
  name: 'a task of your own',
  hosts: 'hypervisors',
  tasks: [
    lineInFile({ path, line: 'PermitRootLogin prohibit-password', match: /^#?\s*PermitRootLogin\b/, mode: '0644' }),
    lineInFile({ path, match: 'UseDNS', state: 'absent' }),
  ],
})
