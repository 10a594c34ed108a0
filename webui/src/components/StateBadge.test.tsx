import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StateBadge } from './StateBadge';

describe('StateBadge', () => {
  it('shows every state, disabled (turned off in the config) included', () => {
    render(
      <>
        <StateBadge state="disabled" />
        <StateBadge state="ready" />
      </>,
    );
    const off = screen.getByText('disabled');
    expect(off).toHaveAttribute('data-state', 'disabled');
    expect(off.className).toMatch(/text-slate-500/);
    expect(screen.getByText('ready').className).toMatch(/emerald/);
  });
});
