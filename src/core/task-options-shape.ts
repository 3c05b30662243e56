/** The shape of the options every task takes (TaskOptions), for each task's own shape to spread in. */
import { boolean, func, listOf, literal, oneOf, string, task } from './shape.ts'
import type { Fields } from './shape.ts'
import type { TaskOptions } from './task.ts'

export const taskOptionFields: Fields<TaskOptions> = {
  name: string,
  notify: oneOf(string, listOf(string)),
  onChange: oneOf(task, listOf(task)),
  when: func,
  become: boolean,
  becomeMethod: literal('sudo', 'su', 'doas'),
  becomeUser: string,
  tags: oneOf(string, listOf(string)),
}
