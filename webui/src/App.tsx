// Routes, and what happens when the session ends under a page (a 401).
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { client, isApiError } from './api';
import { Layout } from './app/Layout';
import { AdminOnly, RequireAuth } from './app/RequireAuth';
import { DashboardPage } from './pages/dashboard/DashboardPage';
import { DhcpPage } from './pages/dhcp/DhcpPage';
import { DnsPage } from './pages/dns/DnsPage';
import { LoginPage } from './pages/login/LoginPage';
import { NtpPage } from './pages/ntp/NtpPage';
import { PeersPage } from './pages/peers/PeersPage';
import { RevisionsPage } from './pages/revisions/RevisionsPage';
import { ServicesPage } from './pages/services/ServicesPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { TokensPage } from './pages/tokens/TokensPage';
import { UsersPage } from './pages/users/UsersPage';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will not change by asking again; a network error might.
        retry: (count, err) => count < 2 && !(isApiError(err) && err.status >= 400 && err.status < 500),
        staleTime: 2_000,
      },
      mutations: { retry: false },
    },
  });
}

function SessionWatcher() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      client.onUnauthenticated(() => {
        if (location.pathname === '/login') return;
        qc.clear();
        navigate('/login', { replace: true, state: { from: location.pathname + location.search, expired: true } });
      }),
    [qc, navigate, location],
  );
  return null;
}

export function AppRoutes() {
  return (
    <>
      <SessionWatcher />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route element={<RequireAuth>{(me) => <Layout me={me} />}</RequireAuth>}>
          <Route index element={<DashboardPage />} />
          <Route path="services" element={<ServicesPage />} />
          <Route path="peers" element={<PeersPage />} />
          <Route path="dns" element={<DnsPage />} />
          <Route path="dhcp" element={<DhcpPage />} />
          <Route path="ntp" element={<NtpPage />} />
          <Route path="settings" element={<AdminOnly><SettingsPage /></AdminOnly>} />
          <Route path="users" element={<AdminOnly><UsersPage /></AdminOnly>} />
          <Route path="tokens" element={<TokensPage />} />
          <Route path="revisions" element={<AdminOnly><RevisionsPage /></AdminOnly>} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Route>
      </Routes>
    </>
  );
}

export function App() {
  const [qc] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={qc}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
