// The peer's fields as the forms hold them, checked with the API's grammars
// (api/openapi.yaml: PeerCreateRequest, PeerUpdateRequest), and how a peer
// is shown: its state, its services, its expiry.
import type { Peer, PeerService } from '../../api';
import { checkIntRange, checkName } from '../../lib/validate';

/** The cell's services in the API's order (PeerServices). */
export const PEER_SERVICES: readonly PeerService[] = ['webui', 'dns', 'ntp', 'mail', 'calendar', 'files'];

export const SERVICE_LABEL: Record<PeerService, string> = {
  webui: 'Web UI',
  dns: 'DNS',
  ntp: 'NTP',
  mail: 'Mail',
  calendar: 'Calendar',
  files: 'Files',
};

export const KEEPALIVE_DEFAULT = 25;
export const KEEPALIVE_MAX = 3600;

export type PeerState = 'enabled' | 'disabled' | 'expired';

/** Turned off by an admin first; otherwise expired when its time has passed. */
export function peerState(p: Pick<Peer, 'enabled' | 'expired'>): PeerState {
  if (!p.enabled) return 'disabled';
  return p.expired ? 'expired' : 'enabled';
}

/** The services in the API's order, none twice. */
export function sortServices(list: readonly PeerService[]): PeerService[] {
  return PEER_SERVICES.filter((s) => list.includes(s));
}

/** Peer names share the cell's name grammar: 1-32 of a-z, 0-9, '-'. */
export const checkPeerName = checkName;

const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** A WireGuard public key (44 characters of base64), or empty for "let the cell make the pair". */
export function checkPublicKey(v: string): string | null {
  if (v === '') return null;
  if (v.length !== 44) return `A WireGuard public key is 44 characters; this is ${v.length}.`;
  return WG_KEY_RE.test(v) ? null : 'Not a WireGuard public key (base64 ending in =), e.g. from `wg pubkey`.';
}

export function checkKeepalive(v: string): string | null {
  if (v === '') return 'Required; 0 turns it off.';
  return checkIntRange(v, 0, KEEPALIVE_MAX);
}

// ---- expiry: a datetime-local input (the browser's time zone) <-> ISO UTC

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "2026-12-31T23:59:59Z" -> "2027-01-01T00:59" in UTC+1: the value of a datetime-local input. */
export function localInputFromIso(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (!Number.isFinite(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time) as the API's time, UTC to the
 * second; null for empty (never expires); undefined when it does not parse. */
export function isoFromLocalInput(v: string): string | null | undefined {
  if (v === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return undefined;
  const ms = new Date(v).getTime();
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function checkExpiry(v: string, nowMs: number): string | null {
  const iso = isoFromLocalInput(v);
  if (iso === undefined) return 'A date and time, or empty for never.';
  if (iso !== null && Date.parse(iso) <= nowMs) return 'Must be in the future; empty for never.';
  return null;
}

// ---- the QR code

/** The SVG document as a data: URL for an <img>: an image, never markup in
 * the page, so nothing in it can run or style the UI. */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/svg+xml;base64,${btoa(bin)}`;
}
