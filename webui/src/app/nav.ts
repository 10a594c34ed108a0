import type { Role } from '../api';

export type NavItem = { to: string; label: string; role: Role };

/** Only pages that exist; admin pages are shown to admins only. */
export const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', role: 'user' },
  { to: '/services', label: 'Services', role: 'user' },
  { to: '/peers', label: 'Peers', role: 'user' },
  { to: '/dns', label: 'DNS', role: 'user' },
  { to: '/dhcp', label: 'DHCP', role: 'user' },
  { to: '/ntp', label: 'NTP', role: 'user' },
  { to: '/settings', label: 'Settings', role: 'admin' },
  { to: '/users', label: 'Users', role: 'admin' },
  { to: '/tokens', label: 'API tokens', role: 'user' },
  { to: '/revisions', label: 'Revisions', role: 'admin' },
];

export function navFor(role: Role): NavItem[] {
  return NAV.filter((n) => n.role === 'user' || role === 'admin');
}
