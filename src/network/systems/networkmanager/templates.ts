/** NetworkManager's keyfiles kvmplay renders (templates/networkmanager/). */
export const NM_TEMPLATES = {
  bridge: 'networkmanager/bridge.nmconnection.hbs',
  port: 'networkmanager/port.nmconnection.hbs',
  uplink: 'networkmanager/uplink.nmconnection.hbs',
} as const
