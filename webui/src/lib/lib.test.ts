import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, formatTime, formatValue } from './format';
import { paginate, search } from './paginate';
import {
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
