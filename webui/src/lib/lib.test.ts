import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, formatOffset, formatRelative, formatTime, formatValue } from './format';
import { paginate, search } from './paginate';
import {
  checkCidr,
  checkDnsName,
  checkDnsValue,
  checkHostLabel,
  checkMac,
  checkNtpServer,
  checkOptionalIPv4,
  inSubnet,
  checkDomain,
  checkIpRange,
  checkName,
  checkPassword,
  checkPort,
  checkPublicEndpoint,
  checkUsername,
  checkVpnAddress,
} from './validate';

describe('validate: the API grammars', () => {
  it('names (tokens, cell)', () => {
    expect(checkName('laptop-1')).toBeNull();
    expect(checkName('a'.repeat(32))).toBeNull();
    expect(checkName('a'.repeat(33))).toMatch(/32/);
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a b']) expect(checkName(bad)).not.toBeNull();
  });
  it('usernames', () => {
    for (const ok of ['admin', 'a.b_c-d', '0day']) expect(checkUsername(ok)).toBeNull();
    for (const bad of ['', '.a', '_a', 'Admin', 'a b', 'a'.repeat(33)]) expect(checkUsername(bad)).not.toBeNull();
  });
  it('passwords: 8..256 bytes, no control characters', () => {
    expect(checkPassword('12345678')).toBeNull();
    expect(checkPassword('1234567')).toMatch(/8/);
    expect(checkPassword('é'.repeat(128))).toBeNull(); // 256 bytes
    expect(checkPassword('é'.repeat(129))).toMatch(/256/); // 258 bytes
    expect(checkPassword('abcdefgh\n')).toMatch(/control/);
  });
  it('domains', () => {
    for (const ok of ['cell', 'home.example', 'a-b.c0']) expect(checkDomain(ok)).toBeNull();
    for (const bad of ['', 'home.', '.home', 'a..b', '-a.b', 'Home', 'a_b', `${'a'.repeat(64)}.b`]) expect(checkDomain(bad)).not.toBeNull();
  });
  it('VPN address: host address in CIDR, prefix 8..30', () => {
    expect(checkVpnAddress('10.0.0.1/24')).toBeNull();
    expect(checkVpnAddress('10.0.0.0/24')).toMatch(/network address/);
    expect(checkVpnAddress('10.0.0.1/31')).toMatch(/prefix/);
    expect(checkVpnAddress('10.0.0.1')).not.toBeNull();
    expect(checkVpnAddress('10.0.0.256/24')).not.toBeNull();
  });
  it('ip_range: RFC 1918 network, prefix 16..29, not in the VPN subnet', () => {
    expect(checkIpRange('172.20.0.0/24', '10.0.0.1/24')).toBeNull();
    expect(checkIpRange('192.168.4.0/29')).toBeNull();
    expect(checkIpRange('172.20.0.1/24')).toMatch(/Host bits/);
    expect(checkIpRange('8.8.8.0/24')).toMatch(/private/);
    expect(checkIpRange('172.32.0.0/24')).toMatch(/private/);
    expect(checkIpRange('10.0.0.0/16', '10.0.0.1/24')).toMatch(/Overlaps/);
    expect(checkIpRange('10.0.0.0/30')).toMatch(/prefix/);
  });
  it('public endpoint: empty, hostname or IPv4', () => {
    for (const ok of ['', 'pic.example.org', '203.0.113.7']) expect(checkPublicEndpoint(ok)).toBeNull();
    for (const bad of ['http://x', 'a b', 'x.']) expect(checkPublicEndpoint(bad)).not.toBeNull();
  });
  it('ports', () => {
    expect(checkPort('53')).toBeNull();
    expect(checkPort('0')).not.toBeNull();
    expect(checkPort('0', true)).toBeNull();
    expect(checkPort('65536')).not.toBeNull();
    expect(checkPort('12a')).not.toBeNull();
  });
});

describe('paginate and search', () => {
  const items = Array.from({ length: 23 }, (_, i) => `item${i + 1}`);
  it('pages and clamps', () => {
    expect(paginate(items, 0, 10)).toMatchObject({ page: 0, pageCount: 3, total: 23, first: 1, last: 10 });
    expect(paginate(items, 2, 10).items).toEqual(['item21', 'item22', 'item23']);
    expect(paginate(items, 9, 10).page).toBe(2);
    expect(paginate([], 0, 10)).toMatchObject({ pageCount: 1, total: 0, first: 0, last: 0 });
  });
  it('search matches every word, case-insensitively', () => {
    const rows = ['Alice admin', 'bob user', 'carol admin'];
    expect(search(rows, 'ADMIN', (s) => s)).toEqual(['Alice admin', 'carol admin']);
    expect(search(rows, 'admin car', (s) => s)).toEqual(['carol admin']);
    expect(search(rows, '  ', (s) => s)).toEqual(rows);
  });
});

describe('format', () => {
  it('times, durations, the clock and values', () => {
    expect(formatTime('2026-11-29T05:56:58Z')).toBe('2026-11-29 05:56:58 UTC');
    expect(formatTime(null)).toBe('—');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(3725)).toBe('1h 2m 5s');
    expect(formatDuration(90061)).toBe('1d 1h 1m');
    expect(formatDuration(null)).toBe('—');
    expect(formatClock(75)).toBe('1:15');
    expect(formatClock(0.2)).toBe('0:01');
    expect(formatValue(null)).toBe('—');
    expect(formatValue('')).toBe('""');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });
});

describe('validate: DNS records, DHCP and NTP', () => {
  it('record names, by type', () => {
    for (const ok of ['@', 'www', 'a.b', '_dmarc', 'x-1']) expect(checkDnsName(ok, 'A')).toBeNull();
    for (const bad of ['', 'WWW', '-a', 'a-', 'a..b', 'a.', `${'a'.repeat(64)}`]) expect(checkDnsName(bad, 'A')).not.toBeNull();
    expect(checkDnsName('_sip._tcp', 'SRV')).toBeNull();
    expect(checkDnsName('_sip._tcp.office', 'SRV')).toBeNull();
    expect(checkDnsName('sip', 'SRV')).toMatch(/_service\._proto/);
    expect(checkDnsName('@', 'CNAME')).toMatch(/CNAME/);
  });
  it('record values, by type', () => {
    expect(checkDnsValue('192.0.2.7', 'A')).toBeNull();
    expect(checkDnsValue('192.0.2.256', 'A')).not.toBeNull();
    expect(checkDnsValue('2001:db8::7', 'AAAA')).toBeNull();
    expect(checkDnsValue('192.0.2.7', 'AAAA')).not.toBeNull();
    expect(checkDnsValue('www', 'CNAME')).toBeNull();
    expect(checkDnsValue('host.example.org.', 'MX')).toBeNull();
    expect(checkDnsValue('192.0.2.7', 'CNAME')).toMatch(/not an address/);
    expect(checkDnsValue('a b', 'SRV')).not.toBeNull();
    expect(checkDnsValue('v=spf1 -all "quoted" \\', 'TXT')).toBeNull();
    expect(checkDnsValue('line\nbreak', 'TXT')).toMatch(/control/);
    expect(checkDnsValue('é'.repeat(513), 'TXT')).toMatch(/1024/);
    expect(checkDnsValue('', 'TXT')).toBe('Required.');
  });
  it('MACs, host labels, optional addresses', () => {
    expect(checkMac('52:54:00:AB:cd:ef')).toBeNull();
    for (const bad of ['', '52-54-00-ab-cd-ef', '52:54:00:ab:cd', '52:54:00:ab:cd:eg']) expect(checkMac(bad)).not.toBeNull();
    expect(checkHostLabel('')).toBeNull();
    expect(checkHostLabel('printer-2')).toBeNull();
    for (const bad of ['a.b', 'A', '-a', 'a_b']) expect(checkHostLabel(bad)).not.toBeNull();
    expect(checkOptionalIPv4('')).toBeNull();
    expect(checkOptionalIPv4('1.2.3')).not.toBeNull();
  });
  it('subnets: hosts only, not the network or broadcast address', () => {
    expect(inSubnet('192.168.1.100', '192.168.1.2/24')).toBe(true);
    expect(inSubnet('192.168.1.0', '192.168.1.2/24')).toBe(false);
    expect(inSubnet('192.168.1.255', '192.168.1.2/24')).toBe(false);
    expect(inSubnet('192.168.2.1', '192.168.1.2/24')).toBe(false);
    expect(inSubnet('10.9.200.1', '10.9.0.1/16')).toBe(true);
  });
  it('NTP servers and allowed networks', () => {
    for (const ok of ['pool.ntp.org', '192.0.2.1', 'time']) expect(checkNtpServer(ok)).toBeNull();
    for (const bad of ['', 'a b', 'ntp.', 'http://x', 'Time.Example']) expect(checkNtpServer(bad)).not.toBeNull();
    expect(checkCidr('192.168.1.0/24')).toBeNull();
    expect(checkCidr('0.0.0.0/0')).toBeNull();
    expect(checkCidr('192.168.1.1/24')).toMatch(/Host bits/);
    for (const bad of ['', '192.168.1.0', '192.168.1.0/33', 'x/8']) expect(checkCidr(bad)).not.toBeNull();
  });
});

describe('format: relative times and clock offsets', () => {
  it('relative to now', () => {
    const now = Date.parse('2026-11-29T06:00:00Z');
    expect(formatRelative('2026-11-29T07:02:05Z', now)).toBe('in 1h 2m 5s');
    expect(formatRelative('2026-11-29T05:59:30Z', now)).toBe('30s ago');
    expect(formatRelative('2026-11-29T06:00:00Z', now)).toBe('now');
    expect(formatRelative(null, now)).toBe('never');
  });
  it('offsets in the unit that reads best', () => {
    expect(formatOffset(0.00125)).toBe('+1.250 ms');
    expect(formatOffset(-0.000042)).toBe('-42 µs');
    expect(formatOffset(2.5)).toBe('+2.500 s');
    expect(formatOffset(0)).toBe('±0 s');
  });
});
