/** A become password that would end early — a line break, a carriage return, a NUL — is refused before any host, without being shown. */
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { becomeFor, checkBecomePassword } from '../../src/connection/become-settings.ts'
import { errorMessageOf } from '../helpers/errors.ts'

const SECRET = 'hunter2'

test('a line break, a carriage return or a NUL in the host\'s password is bad input naming the var, never the password', () => {
  for (const [bad, named] of [['\n', 'a line break'], ['\r', 'a carriage return'], ['\0', 'a NUL byte']]) {
    for (const name of ['ansible_become_password', 'ansible_become_pass']) {
      const msg = errorMessageOf('validation', () => becomeFor('h1', { ansible_become: true, [name]: `${SECRET}${bad}id` }, {}, {}))
      assert.match(msg, `host h1: ${name}: the become password contains ${named}`)
      assert.match(msg, 'pass the rest to the escalated shell as commands')
      assert.not.match(msg, SECRET)
    }
  }
})

test('checked though the play does not become (a task may), and a trailing newline counts', () => {
  assert.match(errorMessageOf('validation', () => becomeFor('h1', { ansible_become_password: `${SECRET}\n` }, { become: false }, {})), /use `\|-` or a quoted string/)
})

test('the run password is checked where it is read; good passwords pass unchanged', () => {
  assert.match(errorMessageOf('validation', () => checkBecomePassword(`${SECRET}\rid`, '--become-password-file f')), /^--become-password-file f: the become password contains a carriage return/)
  assert.is(checkBecomePassword(undefined, 'x'), undefined)
  assert.is(checkBecomePassword(' sp\tä€ "\'$`\\ ', 'x'), ' sp\tä€ "\'$`\\ ')
  assert.equal(becomeFor('h1', { ansible_become_password: 'own' }, { become: true }, {}, 'run'), { method: 'sudo', user: 'root', password: 'own' })
})

test.run()
