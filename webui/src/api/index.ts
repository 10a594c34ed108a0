// The API's operations by name, and the types the pages use. Types are taken
// from the generated paths by route, so they follow api/openapi.yaml.
import { client, type ApiPath, type MethodOf, type Ok, type RequestOptions } from './client';

export { ApiError, client, csrf, isApiError } from './client';

export type Health = Ok<'/health', 'get'>;
export type LoginResponse = Ok<'/api/auth/login', 'post'>;
export type Me = Ok<'/api/auth/me', 'get'>;
export type Role = Me['role'];
export type Token = Ok<'/api/auth/tokens', 'get'>['tokens'][number];
export type TokenCreated = Ok<'/api/auth/tokens', 'post'>;
export type Scope = Token['scope'];
export type User = Ok<'/api/users/{username}', 'get'>;
export type Config = Ok<'/api/config', 'get'>;
export type Ports = Config['ports'];
export type ConfigUpdateResult = Ok<'/api/config', 'put'>;
export type Pending = Ok<'/api/config/pending', 'get'>;
export type ConfirmWindow = Ok<'/api/config/apply', 'post'>;
export type Revision = Ok<'/api/revisions/{n}', 'get'>;
export type Change = Revision['diff']['changes'][number];
export type Service = Ok<'/api/services/status', 'get'>['services'][number];
export type ServiceState = Service['state'];
export type LogLine = Ok<'/api/services/{name}/logs', 'get'>['lines'][number];
export type ApplyStatus = Ok<'/api/apply/status', 'get'>;
export type DnsRecordList = Ok<'/api/dns/records', 'get'>;
export type DnsRecord = DnsRecordList['records'][number];
export type DnsRecordType = DnsRecord['type'];
export type DhcpSettings = Config['dhcp'];
export type NtpSettings = Config['ntp'];
export type DhcpInterface = Ok<'/api/dhcp/interfaces', 'get'>['interfaces'][number];
export type DhcpReservation = Ok<'/api/dhcp/reservations', 'get'>['reservations'][number];
export type DhcpLease = Ok<'/api/dhcp/leases', 'get'>['leases'][number];
export type NtpStatus = Ok<'/api/ntp/status', 'get'>;
export type NtpSource = NtpStatus['sources'][number];
export type NtpClient = NtpStatus['clients'][number];
export type PeerList = Ok<'/api/peers', 'get'>;
export type Peer = PeerList['peers'][number];
export type PeerService = Peer['services'][number];
export type PeerConfig = Ok<'/api/peers/{name}/config', 'get'>;
export type WireguardStatus = Ok<'/api/wireguard/status', 'get'>;
export type PeerStatus = WireguardStatus['peers'][number];

export const api = {
  health: () => client.request('get', '/health'),

  login: (username: string, password: string) =>
    client.request('post', '/api/auth/login', { body: { username, password }, expectUnauthenticated: true }),
  logout: () => client.request('post', '/api/auth/logout'),
  me: () => client.request('get', '/api/auth/me'),

  listTokens: (all = false) => client.request('get', '/api/auth/tokens', { query: all ? { all: 1 } : undefined }),
  createToken: (body: TokenCreateBody) => client.request('post', '/api/auth/tokens', { body }),
  deleteToken: (id: string) => client.request('delete', '/api/auth/tokens/{id}', { path: { id } }),

  listUsers: () => client.request('get', '/api/users'),
  createUser: (body: UserCreateBody) => client.request('post', '/api/users', { body }),
  updateUser: (username: string, body: UserUpdateBody) =>
    client.request('put', '/api/users/{username}', { path: { username }, body }),
  deleteUser: (username: string) => client.request('delete', '/api/users/{username}', { path: { username } }),

  config: () => client.request('get', '/api/config'),
  updateConfig: (body: ConfigUpdateBody) => client.request('put', '/api/config', { body }),
  pending: () => client.request('get', '/api/config/pending'),
  discardPending: () => client.request('delete', '/api/config/pending'),
  apply: (timeout_s?: number) =>
    client.request('post', '/api/config/apply', { body: timeout_s === undefined ? undefined : { timeout_s } }),
  confirm: () => client.request('post', '/api/config/confirm'),

  revisions: (limit: number, before?: number) =>
    client.request('get', '/api/revisions', { query: { limit, ...(before !== undefined ? { before } : {}) } }),
  revision: (n: number) => client.request('get', '/api/revisions/{n}', { path: { n } }),
  rollback: (n: number) => client.request('post', '/api/revisions/{n}/rollback', { path: { n } }),

  services: () => client.request('get', '/api/services/status'),
  restartService: (name: string) => client.request('post', '/api/containers/{name}/restart', { path: { name } }),
  serviceLogs: (name: string, lines?: number) =>
    client.request('get', '/api/services/{name}/logs', { path: { name }, query: lines ? { lines } : undefined }),
  /** The URL of the live log (text/event-stream; cookie auth, GET so no CSRF). */
  serviceLogStreamUrl: (name: string, lines?: number) =>
    client.url('/api/services/{name}/logs/stream', { name }, lines ? { lines } : undefined),
  applyStatus: () => client.request('get', '/api/apply/status'),
  dnsRecords: (query: DnsRecordQuery) => client.request('get', '/api/dns/records', { query }),
  createDnsRecord: (body: DnsRecordBody) => client.request('post', '/api/dns/records', { body }),
  updateDnsRecord: (id: number, body: DnsRecordBody) =>
    client.request('put', '/api/dns/records/{id}', { path: { id }, body }),
  deleteDnsRecord: (id: number) => client.request('delete', '/api/dns/records/{id}', { path: { id } }),
  dhcpInterfaces: () => client.request('get', '/api/dhcp/interfaces'),
  dhcpReservations: () => client.request('get', '/api/dhcp/reservations'),
  createDhcpReservation: (body: DhcpReservationBody) => client.request('post', '/api/dhcp/reservations', { body }),
  updateDhcpReservation: (mac: string, body: DhcpReservationUpdateBody) =>
    client.request('put', '/api/dhcp/reservations/{mac}', { path: { mac }, body }),
  deleteDhcpReservation: (mac: string) => client.request('delete', '/api/dhcp/reservations/{mac}', { path: { mac } }),
  dhcpLeases: () => client.request('get', '/api/dhcp/leases'),
  ntpStatus: () => client.request('get', '/api/ntp/status'),
  peers: (query: PeerQuery) => client.request('get', '/api/peers', { query }),
  createPeer: (body: PeerCreateBody) => client.request('post', '/api/peers', { body }),
  updatePeer: (name: string, body: PeerUpdateBody) => client.request('put', '/api/peers/{name}', { path: { name }, body }),
  deletePeer: (name: string) => client.request('delete', '/api/peers/{name}', { path: { name } }),
  /** The config text and its QR code as an SVG document (admins; it holds the private key). */
  peerConfig: (name: string) =>
    client.request('get', '/api/peers/{name}/config', { path: { name } }),
  /** The config file as picd serves it for download (format=conf), with its file name. */
  peerConfigFile: (name: string) =>
    client.requestFile('get', '/api/peers/{name}/config', { path: { name }, query: { format: 'conf' } }),
  /** The URL of that file (GET, cookie auth: usable as a link's href). */
  peerConfigFileUrl: (name: string) => client.url('/api/peers/{name}/config', { name }, { format: 'conf' }),
  /** The VPN as picd last sampled it; with `peer`, that peer alone and its history of rates. */
  wireguardStatus: (peer?: string) =>
    client.request('get', '/api/wireguard/status', { query: peer ? { peer } : undefined }),
};

type ReqBody<P extends ApiPath, M extends MethodOf<P>> = NonNullable<RequestOptions<P, M>['body']>;
export type TokenCreateBody = ReqBody<'/api/auth/tokens', 'post'>;
export type UserCreateBody = ReqBody<'/api/users', 'post'>;
export type UserUpdateBody = ReqBody<'/api/users/{username}', 'put'>;
export type ConfigUpdateBody = ReqBody<'/api/config', 'put'>;
export type DnsRecordBody = ReqBody<'/api/dns/records', 'post'>;
export type DnsRecordQuery = NonNullable<RequestOptions<'/api/dns/records', 'get'>['query']>;
export type DhcpReservationBody = ReqBody<'/api/dhcp/reservations', 'post'>;
export type DhcpReservationUpdateBody = ReqBody<'/api/dhcp/reservations/{mac}', 'put'>;
export type PeerCreateBody = ReqBody<'/api/peers', 'post'>;
export type PeerUpdateBody = ReqBody<'/api/peers/{name}', 'put'>;
export type PeerQuery = NonNullable<RequestOptions<'/api/peers', 'get'>['query']>;
