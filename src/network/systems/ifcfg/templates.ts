/** The seed's ifcfg files (templates/ifcfg/). */
export const IFCFG_TEMPLATES = {
  bridge: 'ifcfg/bridge.hbs',
  port: 'ifcfg/port.hbs',
  uplink: 'ifcfg/uplink.hbs',
  route: 'ifcfg/route.hbs',
} as const
