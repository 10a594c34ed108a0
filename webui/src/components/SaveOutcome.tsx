// What PUT /api/config did with a change: applied at once, or staged.
import type { ConfigUpdateResult } from '../api';
import { Alert } from './Alert';

export function SaveOutcome({ result }: { result: ConfigUpdateResult }) {
  return (
    <Alert tone="success">
      {result.applied.length ? `Applied: ${result.applied.join(', ')}. ` : ''}
      {result.staged.length ? `Staged: ${result.staged.join(', ')} — review and apply them on the Settings page.` : ''}
      {!result.applied.length && !result.staged.length ? 'Saved; nothing changed.' : ''}
    </Alert>
  );
}
