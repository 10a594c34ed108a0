// Query keys and the queries several pages share. Server state lives in the
// TanStack Query cache only.
import { useMutation, useQuery, useQueryClient, type Query } from '@tanstack/react-query';
import { api, type ConfigUpdateBody, type Pending } from '../api';

export const keys = {
  me: ['me'] as const,
  health: ['health'] as const,
  config: ['config'] as const,
  pending: ['pending'] as const,
  applyStatus: ['apply-status'] as const,
  services: ['services'] as const,
  users: ['users'] as const,
  tokens: (all: boolean) => ['tokens', { all }] as const,
  tokensAll: ['tokens'] as const,
  revisions: (limit: number, before: number | undefined) => ['revisions', { limit, before }] as const,
  revisionsAll: ['revisions'] as const,
  dnsRecords: (q: { search: string; type: string; limit: number; offset: number }) => ['dns-records', q] as const,
  dnsRecordsAll: ['dns-records'] as const,
  dhcpInterfaces: ['dhcp-interfaces'] as const,
  dhcpReservations: ['dhcp-reservations'] as const,
  dhcpLeases: ['dhcp-leases'] as const,
  ntpStatus: ['ntp-status'] as const,
  peers: (q: { search: string; limit: number; offset: number }) => ['peers', q] as const,
  peersAll: ['peers'] as const,
  /** A peer's config holds its private key: cached only while shown (gcTime 0). */
  peerConfig: (name: string) => ['peer-config', name] as const,
  wireguardStatus: ['wireguard-status'] as const,
  peerTraffic: (name: string) => ['wireguard-status', { peer: name }] as const,
};

export function useMe(enabled = true) {
  return useQuery({ queryKey: keys.me, queryFn: () => api.me(), staleTime: 60_000, retry: false, enabled });
}

export function useConfig() {
  return useQuery({ queryKey: keys.config, queryFn: () => api.config() });
}

export function useServices(refetchMs = 5000) {
  return useQuery({ queryKey: keys.services, queryFn: () => api.services(), refetchInterval: refetchMs });
}

type PendingQuery = Query<Pending, Error, Pending, typeof keys.pending>;

export function usePending(refetchMs: number | false | ((q: PendingQuery) => number | false) = false) {
  return useQuery({ queryKey: keys.pending, queryFn: () => api.pending(), refetchInterval: refetchMs });
}

/** PUT /api/config; the answer replaces the cached config and pending changes. */
export function useSaveConfig() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ConfigUpdateBody) => api.updateConfig(body),
    onSuccess: (r) => {
      qc.setQueryData(keys.config, r.config);
      qc.setQueryData(keys.pending, r.pending);
      void qc.invalidateQueries({ queryKey: keys.revisionsAll });
      void qc.invalidateQueries({ queryKey: keys.services });
    },
  });
}
