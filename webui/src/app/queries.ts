// Query keys and the queries several pages share. Server state lives in the
// TanStack Query cache only.
import { useQuery, type Query } from '@tanstack/react-query';
import { api, type Pending } from '../api';

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
