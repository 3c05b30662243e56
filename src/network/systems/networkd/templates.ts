/** networkd's files of the bridge (templates/networkd/): its .netdev, and the head of its .network. */
export const NETWORKD_TEMPLATES = {
  netdev: 'networkd/bridge.netdev.hbs',
  network: 'networkd/bridge.network.hbs',
} as const
