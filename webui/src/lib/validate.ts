// Client-side checks with the same grammars as the API (api/openapi.yaml):
// each returns a message for the field, or null when the value is acceptable.
// The API stays the judge; its field errors are shown the same way.

export type Check = (value: string) => string | null;

const NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const USERNAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Names of tokens and of the cell: [a-z0-9-]{1,32}, no '-' at either end. */
export const checkName: Check = (v) => {
  if (v === '') return 'Required.';
  if (v.length > 32) return 'At most 32 characters.';
  if (!NAME_RE.test(v)) return "Lowercase letters, digits and '-' only, not starting or ending with '-'.";
  return null;
};

export const checkUsername: Check = (v) => {
  if (v === '') return 'Required.';
  if (v.length > 32) return 'At most 32 characters.';
  if (!USERNAME_RE.test(v)) return "Lowercase letters, digits, '_', '.' and '-', starting with a letter or digit.";
  return null;
};

export const checkPassword: Check = (v) => {
  const n = utf8Length(v);
  if (n < 8) return 'At least 8 characters.';
  if (n > 256) return 'At most 256 bytes.';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) return 'No control characters.';
  return null;
};

export const checkDomain: Check = (v) => {
  if (v === '') return 'Required.';
  if (v.length > 253) return 'At most 253 characters.';
  if (!DOMAIN_RE.test(v)) return "Dot-separated labels of lowercase letters, digits and '-', e.g. home.example.";
  return null;
};

export function isIPv4(v: string): boolean {
  return IPV4_RE.test(v);
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export type Cidr = { addr: number; prefix: number; network: number; size: number };

/** Parses a.b.c.d/p; null when malformed. */
export function parseCidr(v: string): Cidr | null {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(v);
  if (!m || !isIPv4(m[1]!)) return null;
  const prefix = Number(m[2]);
  if (prefix > 32) return null;
  const addr = ipToInt(m[1]!);
  const size = 2 ** (32 - prefix);
  return { addr, prefix, network: addr - (addr % size), size };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

export const checkVpnAddress: Check = (v) => {
  const c = parseCidr(v);
  if (!c) return 'An IPv4 address with a prefix, e.g. 10.0.0.1/24.';
  if (c.prefix < 8 || c.prefix > 30) return 'The prefix must be between 8 and 30.';
  if (c.addr === c.network) return 'This is the network address; use a host address, e.g. 10.0.0.1/24.';
  return null;
};

const RFC1918: Cidr[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => parseCidr(s)!);

/** ip_range: an RFC 1918 network, prefix 16..29, not overlapping the VPN subnet. */
export function checkIpRange(v: string, vpnAddress?: string): string | null {
  const c = parseCidr(v);
  if (!c) return 'A network in CIDR form, e.g. 172.20.0.0/24.';
  if (c.prefix < 16 || c.prefix > 29) return 'The prefix must be between 16 and 29.';
  if (c.addr !== c.network) return 'Host bits must be zero (a network address).';
  if (!RFC1918.some((r) => c.network >= r.network && c.network + c.size <= r.network + r.size))
    return 'Must be a private (RFC 1918) range: 10/8, 172.16/12 or 192.168/16.';
  const vpn = vpnAddress ? parseCidr(vpnAddress) : null;
  if (vpn && overlaps(c, vpn)) return 'Overlaps the VPN subnet.';
  return null;
}

export const checkPublicEndpoint: Check = (v) => {
  if (v === '') return null;
  if (v.length > 253) return 'At most 253 characters.';
  if (isIPv4(v) || DOMAIN_RE.test(v)) return null;
  return 'A hostname or an IPv4 address, or empty.';
};

export function checkPort(v: string, allowZero = false): string | null {
  if (!/^[0-9]{1,5}$/.test(v)) return 'A whole number.';
  const n = Number(v);
  if (allowZero && n === 0) return null;
  if (n < 1 || n > 65535) return allowZero ? 'Between 1 and 65535, or 0 for off.' : 'Between 1 and 65535.';
  return null;
}

export function checkIntRange(v: string, min: number, max: number): string | null {
  if (!/^[0-9]+$/.test(v)) return 'A whole number.';
  const n = Number(v);
  if (n < min || n > max) return `Between ${min} and ${max}.`;
  return null;
}
