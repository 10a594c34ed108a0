// Data shaped as the API sends it.
import type { Config, Peer, PeerStatus, WireguardStatus } from '../api';

export const CONFIG: Config = {
  cell_name: 'test',
  domain: 'cell',
  vpn_address: '10.0.0.1/24',
  ip_range: '172.20.0.0/24',
  public_endpoint: '',
  profile: 'dev',
  ports: { ui: 8081, api: 3000, dns: 5353, dhcp: 0, ntp: 11123, wireguard: 51820, smtp: 2525, submission: 2587, imaps: 2993, http: 8080, https: 8443 },
  dns: { forwarders: [], forward_tls: false },
  dhcp: { enabled: false, interface: '', range_start: '', range_end: '', router: '', lease_time: 43200 },
  ntp: { servers: ['pool.ntp.org'], local_stratum: 0, allow: [] },
  wireguard: { interface: 'pic0', uplink: '', peer_to_peer: false, implementation: 'auto' },
  service_ips: { webui: '172.20.0.1', dns: '172.20.0.2', ntp: '172.20.0.3', mail: '172.20.0.4', calendar: '172.20.0.5', files: '172.20.0.6' },
  revision: 4,
};

// ---- VPN peers (the cell test.cell, VPN 10.0.0.1/24)

const key = (c: string) => `${c.repeat(42)}A=`;

export function peer(over: Partial<Peer> & { name: string }): Peer {
  return {
    ip: '10.0.0.2',
    public_key: key('k'),
    key_kept_by_cell: true,
    services: ['webui', 'dns', 'ntp', 'mail', 'calendar', 'files'],
    full_tunnel: false,
    keepalive: 25,
    enabled: true,
    expires: null,
    expired: false,
    created: '2026-11-01T10:00:00Z',
    fqdn: `${over.name}.peers.test.cell`,
    ...over,
  };
}

export const PEERS: Peer[] = [
  peer({ name: 'laptop', ip: '10.0.0.2', public_key: key('a') }),
  peer({ name: 'old-tablet', ip: '10.0.0.3', public_key: key('b'), expires: '2026-01-01T00:00:00Z', expired: true }),
  peer({ name: 'phone', ip: '10.0.0.4', public_key: key('c'), services: ['dns', 'mail'], full_tunnel: true, key_kept_by_cell: false }),
  peer({ name: 'printer', ip: '10.0.0.5', public_key: key('d'), enabled: false, services: [], keepalive: 0 }),
];

export function peerStatus(over: Partial<PeerStatus> & { name: string }): PeerStatus {
  return {
    public_key: key('k'),
    enabled: true,
    endpoint: null,
    latest_handshake: null,
    rx_bytes: 0,
    tx_bytes: 0,
    rx_rate: 0,
    tx_rate: 0,
    ...over,
  };
}

export function wgStatus(peers: PeerStatus[], over: Partial<WireguardStatus> = {}): WireguardStatus {
  return {
    interface: 'pic0',
    running: true,
    implementation: 'userspace',
    public_key: key('z'),
    listen_port: 51820,
    sampled_at: '2026-11-29T06:00:00Z',
    interval_s: 5,
    peers,
    ...over,
  };
}
