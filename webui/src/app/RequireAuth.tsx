// Signed-in pages: needs a session (GET /api/auth/me) and this tab's CSRF
// token (from login); without either, the login page.
import type { ReactNode } from 'react';
import { Navigate, useLocation, useOutletContext } from 'react-router-dom';
import { csrf, isApiError, type Me } from '../api';
import { ErrorAlert } from '../components/Alert';
import { Loading } from '../components/Card';
import { useMe } from './queries';

export function RequireAuth({ children }: { children: (me: Me) => ReactNode }) {
  const location = useLocation();
  const hasCsrf = csrf.get() !== null;
  const me = useMe(hasCsrf);
  if (!hasCsrf || (me.isError && isApiError(me.error) && me.error.status === 401)) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  if (me.isPending) return <Loading what="your session" />;
  if (me.isError) return <ErrorAlert error={me.error} prefix="Cannot load your session" />;
  return <>{children(me.data)}</>;
}

/** The signed-in user, for pages under the Layout. */
export function useSession(): Me {
  return useOutletContext<Me>();
}

export function AdminOnly({ children }: { children: ReactNode }) {
  const me = useSession();
  if (me.role !== 'admin') {
    return <ErrorAlert error={new Error('This page is for administrators.')} />;
  }
  return <>{children}</>;
}
