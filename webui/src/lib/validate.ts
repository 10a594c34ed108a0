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

// ---- DNS records, DHCP and NTP (api/openapi.yaml: DnsRecordRequest,
// DhcpSettings, DhcpReservationRequest, NtpSettings)

export const checkIPv4: Check = (v) => {
  if (v === '') return 'Required.';
  return isIPv4(v) ? null : 'An IPv4 address, e.g. 192.168.1.10.';
};

/** An IPv4 address, or empty. */
export const checkOptionalIPv4: Check = (v) => (v === '' ? null : checkIPv4(v));

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
export const checkMac: Check = (v) => {
  if (v === '') return 'Required.';
  return MAC_RE.test(v) ? null : 'Six hex pairs separated by colons, e.g. 52:54:00:12:34:56.';
};

const HOST_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A reservation's name: one DNS label, or empty for none. */
export const checkHostLabel: Check = (v) => {
  if (v === '') return null;
  if (v.length > 63) return 'At most 63 characters.';
  return HOST_LABEL_RE.test(v) ? null : "One label of lowercase letters, digits and '-', not starting or ending with '-'.";
};

const DNS_LABEL = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const DNS_NAME_RE = new RegExp(`^(@|${DNS_LABEL}(\\.${DNS_LABEL})*)$`);
const DNS_TARGET_RE = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*\\.?$`);
const SRV_NAME_RE = /^_[a-z0-9_-]+\._[a-z0-9_-]+(\.|$)/;

export type DnsType = 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'SRV';

/** A record's name, relative to the zone; `@` is the zone itself. */
export function checkDnsName(v: string, type: DnsType): string | null {
  if (v === '') return "Required; '@' for the zone itself.";
  if (v.length > 200) return 'At most 200 characters.';
  if (!DNS_NAME_RE.test(v)) return "'@', or dot-separated labels of lowercase letters, digits, '_' and '-'.";
  if (type === 'SRV' && !SRV_NAME_RE.test(v)) return 'An SRV name starts with _service._proto, e.g. _sip._tcp.';
  if (type === 'CNAME' && v === '@') return "'@' cannot have a CNAME record.";
  return null;
}

// eslint-disable-next-line no-control-regex
const TXT_BAD_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A record's value, by type. */
export function checkDnsValue(v: string, type: DnsType): string | null {
  if (v === '') return 'Required.';
  switch (type) {
    case 'A':
      return checkIPv4(v);
    case 'AAAA':
      return v.length <= 45 && /^[0-9a-fA-F:.]+$/.test(v) && v.includes(':')
        ? null
        : 'An IPv6 address, e.g. 2001:db8::7.';
    case 'CNAME':
    case 'MX':
    case 'SRV':
      if (isIPv4(v)) return 'A name, not an address.';
      return v.length <= 254 && DNS_TARGET_RE.test(v)
        ? null
        : 'A name in the zone (www) or absolute with a trailing dot (mail.example.org.).';
    case 'TXT':
      if (utf8Length(v) > 1024) return 'At most 1024 bytes.';
      return TXT_BAD_RE.test(v) ? 'No control characters.' : null;
  }
}

export function checkIntText(v: string, min: number, max: number): string | null {
  if (v === '') return 'Required.';
  return checkIntRange(v, min, max);
}

/** An NTP server or pool: a host name or an IPv4 address. */
export const checkNtpServer: Check = (v) => {
  if (v === '') return 'Required; remove the row instead.';
  if (v.length > 253) return 'At most 253 characters.';
  if (isIPv4(v) || DOMAIN_RE.test(v)) return null;
  return 'A host name (pool.ntp.org) or an IPv4 address.';
};

/** A network clients may come from, e.g. 192.168.1.0/24 (host bits zero). */
export const checkCidr: Check = (v) => {
  if (v === '') return 'Required; remove the row instead.';
  const c = parseCidr(v);
  if (!c) return 'A network in CIDR form, e.g. 192.168.1.0/24.';
  if (c.addr !== c.network) return 'Host bits must be zero, e.g. 192.168.1.0/24.';
  return null;
};

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Whether `ip` is a usable host of the subnet of `cidr` (not its network or broadcast address). */
export function inSubnet(ip: string, cidr: string): boolean {
  const c = parseCidr(cidr);
  if (!c || !isIPv4(ip)) return false;
  const a = ipToInt(ip);
  if (c.prefix >= 31) return a >= c.network && a < c.network + c.size;
  return a > c.network && a < c.network + c.size - 1;
}
