/** netplan's file of kvmplay's own (templates/netplan/). */
export const NETPLAN_TEMPLATES = {
  bridge: 'netplan/bridge.yaml.hbs',
} as const
