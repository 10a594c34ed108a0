import { describe, expect, it } from 'vitest';
import { filenameOf } from '../../api/client';
import { formatBytes, formatRate } from '../../lib/format';
import { peerStatus, wgStatus } from '../../test/fixtures';
import { changedFields } from './PeerForm';
import {
  checkExpiry,
  checkKeepalive,
  checkPublicKey,
  isoFromLocalInput,
  localInputFromIso,
  peerState,
  svgDataUrl,
} from './peerFields';
import { PEERS } from '../../test/fixtures';
import { appendSamples, points, type Rates } from './TrafficChart';

describe('peer fields', () => {
  it('public keys: empty or 44 characters of base64 as WireGuard makes them', () => {
    expect(checkPublicKey('')).toBeNull();
    expect(checkPublicKey('xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=')).toBeNull();
    expect(checkPublicKey('xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg')).toMatch(/44 characters; this is 43/);
    // The last character before '=' must leave the 256-bit key's padding bits zero.
    expect(checkPublicKey('xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh=')).toMatch(/Not a WireGuard public key/);
    expect(checkPublicKey('xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D-=')).toMatch(/Not a WireGuard public key/);
  });
  it('keepalive: 0..3600', () => {
    expect(checkKeepalive('0')).toBeNull();
    expect(checkKeepalive('3600')).toBeNull();
    expect(checkKeepalive('3601')).toBe('Between 0 and 3600.');
    expect(checkKeepalive('')).toMatch(/Required/);
    expect(checkKeepalive('-1')).toBe('A whole number.');
  });
  it('expiry: a local datetime-local value <-> UTC to the second', () => {
    const local = '2030-03-04T05:06';
    const iso = isoFromLocalInput(local)!;
    expect(iso).toMatch(/^2030-03-0\dT\d\d:\d6:00Z$/);
    expect(Date.parse(iso)).toBe(new Date(local).getTime());
    expect(localInputFromIso(iso)).toBe(local);
    expect(isoFromLocalInput('')).toBeNull();
    expect(isoFromLocalInput('tomorrow')).toBeUndefined();
    expect(localInputFromIso(null)).toBe('');
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(checkExpiry('', now)).toBeNull();
    expect(checkExpiry(local, now)).toBeNull();
    expect(checkExpiry('2029-12-01T00:00', now)).toMatch(/future/);
    expect(checkExpiry('junk', now)).toMatch(/date and time/);
  });
  it('state: disabled by hand first, then expired', () => {
    expect(peerState({ enabled: true, expired: false })).toBe('enabled');
    expect(peerState({ enabled: true, expired: true })).toBe('expired');
    expect(peerState({ enabled: false, expired: true })).toBe('disabled');
  });
  it('an edit sends only what changed', () => {
    const p = PEERS[1]!; // expired in the past
    const same = { services: [...p.services].reverse(), full_tunnel: false, keepalive: '25', expires: localInputFromIso(p.expires) };
    expect(changedFields(p, same)).toEqual({});
    expect(changedFields(p, { ...same, keepalive: '30', expires: '' })).toEqual({ keepalive: 30, expires: null });
  });
  it('the QR code as a data: URL, UTF-8 safe', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>é</title></svg>';
    const url = svgDataUrl(svg);
    expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const bytes = Uint8Array.from(atob(url.split(',')[1]!), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe(svg);
    // Large documents too (no argument-count limit).
    expect(svgDataUrl('x'.repeat(200_000)).length).toBeGreaterThan(200_000);
  });
});

describe('downloads and traffic', () => {
  it('the file name of Content-Disposition', () => {
    expect(filenameOf('attachment; filename="phone.conf"')).toBe('phone.conf');
    expect(filenameOf('attachment; filename=phone.conf')).toBe('phone.conf');
    expect(filenameOf('attachment')).toBeNull();
    expect(filenameOf(null)).toBeNull();
    expect(filenameOf('attachment; filename="../etc/passwd"')).toBeNull();
    expect(filenameOf('attachment; filename=".bashrc"')).toBeNull();
  });
  it('bytes and rates', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatRate(100)).toBe('100 B/s');
    expect(formatRate(null)).toBe('—');
  });
  it('samples append per peer, at most 30, only while the VPN runs', () => {
    let m = new Map<string, Rates>();
    const at = (s: number, rx: number) =>
      wgStatus([peerStatus({ name: 'a', rx_rate: rx, tx_rate: 1 })], { sampled_at: `2026-11-29T06:00:${String(s).padStart(2, '0')}Z` });
    for (let i = 0; i < 35; i++) m = appendSamples(m, at(i, i));
    expect(m.get('a')!.rx).toHaveLength(30);
    expect(m.get('a')!.rx[29]).toBe(34);
    expect(appendSamples(m, wgStatus([], { running: false, sampled_at: null }))).toBe(m);
    // A peer gone from the status is dropped.
    expect(appendSamples(m, wgStatus([peerStatus({ name: 'b' })])).has('a')).toBe(false);
  });
  it('chart points: right-aligned, scaled to the maximum', () => {
    expect(points([], 100, 10, 5)).toBe('');
    expect(points([0, 5], 100, 10, 5, 3)).toBe('50,10 100,0');
    expect(points([10], 100, 10, 5, 3)).toBe('100,0');
  });
});
