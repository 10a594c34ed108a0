import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../api';
import { DiffView } from './DiffView';

const CHANGES: Change[] = [
  { entity: 'config', key: 'domain', before: 'cell', after: 'home.example' },
  { entity: 'pending', key: 'domain', before: null, after: 'home.example' },
  { entity: 'config', key: 'ports.dns', before: 5353, after: 5354 },
  { entity: 'user', key: 'alice', before: { role: 'user' }, after: null },
  { entity: 'config', key: 'public_endpoint', before: 'pic.example.org', after: '' },
];

describe('DiffView', () => {
  it('shows one row per change with entity, key, before and after', () => {
    render(<DiffView changes={CHANGES} caption="Changes in revision 3" />);
    const table = screen.getByRole('table', { name: 'Changes in revision 3' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(5);
    const cells = (i: number) => within(rows[i]!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells(0)).toEqual(['config', 'domain', 'before: cell', 'after: home.example']);
    expect(cells(2)).toEqual(['config', 'ports.dns', 'before: 5353', 'after: 5354']);
    // null reads as a dash, objects as JSON, the empty string stays visible.
    expect(cells(1)).toEqual(['pending', 'domain', 'before: —', 'after: home.example']);
    expect(cells(3)).toEqual(['user', 'alice', 'before: {"role":"user"}', 'after: —']);
    expect(cells(4)![3]).toBe('after: ""');
  });

  it('marks added, removed and changed rows', () => {
    render(<DiffView changes={CHANGES} />);
    const kinds = screen.getAllByRole('row').slice(1).map((r) => r.getAttribute('data-kind'));
    expect(kinds).toEqual(['changed', 'added', 'changed', 'removed', 'changed']);
  });

  it('says so when a revision has no changes', () => {
    render(<DiffView changes={[]} />);
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByText('No changes recorded.')).toBeInTheDocument();
  });
});
