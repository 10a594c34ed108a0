// Data shaped as the API sends it.
import type { Config } from '../api';

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
  wireguard: { interface: 'pic0', uplink: '', peer_to_peer: false },
  service_ips: { webui: '172.20.0.1', dns: '172.20.0.2', ntp: '172.20.0.3', mail: '172.20.0.4', calendar: '172.20.0.5', files: '172.20.0.6' },
  revision: 4,
};
