/** An inventory as Ansible understands it: hosts, groups, and the vars of each. */
export interface InventoryHost {
  name: string
  /** Merged inventory vars: all < ancestor groups (by depth, then priority, then name) < host's own vars. */
  vars: Record<string, unknown>
  /** Every group the host is in, ancestors included, always 'all'; in Ansible's merge order. */
  groups: string[]
}

export interface InventoryGroup {
  name: string
  vars: Record<string, unknown>
  children: string[]
  parents: string[]
  /** Host names directly in this group. */
  hosts: string[]
  /** `ansible_group_priority` (default 1): among groups of the same depth, a higher one merges later and wins. Not kept in vars, as in Ansible. */
  priority: number
}

export interface Inventory {
  source: string
  /** In order of first appearance in the file. */
  hosts: Map<string, InventoryHost>
  groups: Map<string, InventoryGroup>
}
