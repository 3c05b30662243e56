/** The stanzas kvmplay renders into interfaces(5) files (templates/ifupdown/). */
export const IFUPDOWN_TEMPLATES = {
  bridge: 'ifupdown/bridge.hbs',
  uplink: 'ifupdown/uplink.hbs',
} as const
