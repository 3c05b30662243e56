/** The stanzas kvmplay renders into interfaces(5) files for ifupdown2, in its syntax as Proxmox VE writes it (templates/ifupdown2/). */
export const IFUPDOWN2_TEMPLATES = {
  bridge: 'ifupdown2/bridge.hbs',
  uplink: 'ifupdown2/uplink.hbs',
} as const
