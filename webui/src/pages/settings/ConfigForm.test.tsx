import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ConfigUpdateResult } from '../../api';
import { CONFIG } from '../../test/fixtures';
import { ConfigForm, buildConfigBody } from './ConfigForm';


function setup(save = vi.fn()) {
  render(<ConfigForm config={CONFIG} pending={undefined} save={save} saving={false} />);
  return save;
}

describe('ConfigForm', () => {
  it('sends only the changed fields, ports as numbers', async () => {
    const user = userEvent.setup({ delay: null });
    const result: ConfigUpdateResult = {
      config: CONFIG,
      pending: { changes: { domain: { from: 'cell', to: 'home.example' } }, confirm: null },
      applied: [],
      staged: ['domain', 'ports.dns'],
    };
    const save = setup(vi.fn().mockResolvedValue(result));
    await user.clear(screen.getByLabelText('Domain'));
    await user.type(screen.getByLabelText('Domain'), 'home.example');
    await user.clear(screen.getByLabelText('dns'));
    await user.type(screen.getByLabelText('dns'), '5354');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(save).toHaveBeenCalledWith({ domain: 'home.example', ports: { dns: 5354 } });
    expect(await screen.findByText(/Staged: domain, ports.dns/)).toBeInTheDocument();
  });

  it('checks fields as the API does before sending', async () => {
    const user = userEvent.setup({ delay: null });
    const save = setup();
    const domain = screen.getByLabelText('Domain');
    await user.clear(domain);
    await user.type(domain, 'Bad_Domain');
    await user.clear(screen.getByLabelText('VPN address'));
    await user.type(screen.getByLabelText('VPN address'), '10.0.0.0/24');
    await user.clear(screen.getByLabelText('https'));
    await user.type(screen.getByLabelText('https'), '70000');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(save).not.toHaveBeenCalled();
    expect(domain).toHaveAttribute('aria-invalid', 'true');
    expect(domain).toHaveAccessibleDescription(/Dot-separated labels/);
    expect(screen.getByLabelText('VPN address')).toHaveAccessibleDescription(/network address/);
    expect(screen.getByLabelText('https')).toHaveAccessibleDescription('Between 1 and 65535.');
  });

  it("shows the API's field error next to that field", async () => {
    const user = userEvent.setup({ delay: null });
    const save = setup(
      vi.fn().mockRejectedValue(new ApiError(400, 'invalid_argument', 'ip_range overlaps the VPN subnet', { field: 'ip_range' })),
    );
    const range = screen.getByLabelText('Service IP range');
    await user.clear(range);
    await user.type(range, '172.21.0.0/24');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(save).toHaveBeenCalledTimes(1);
    expect(await screen.findByText('ip_range overlaps the VPN subnet')).toBeInTheDocument();
    expect(range).toHaveAttribute('aria-invalid', 'true');
    expect(range).toHaveAccessibleDescription('ip_range overlaps the VPN subnet');
    // Not repeated as a form-level alert.
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('maps a nested field (ports.dns) to its input', async () => {
    const user = userEvent.setup({ delay: null });
    setup(vi.fn().mockRejectedValue(new ApiError(400, 'invalid_argument', 'port in use', { field: 'ports.dns' })));
    await user.clear(screen.getByLabelText('dns'));
    await user.type(screen.getByLabelText('dns'), '8080');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('port in use')).toBeInTheDocument();
    expect(screen.getByLabelText('dns')).toHaveAccessibleDescription('port in use');
  });

  it('an error without a known field is shown for the whole form', async () => {
    const user = userEvent.setup({ delay: null });
    setup(vi.fn().mockRejectedValue(new ApiError(403, 'permission_denied', 'admins only')));
    await user.type(screen.getByLabelText('Public endpoint'), 'pic.example.org');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Not saved: admins only');
  });

  it('buildConfigBody leaves out what did not change', () => {
    expect(buildConfigBody({ public_endpoint: '', 'ports.dhcp': '0' }, ['public_endpoint', 'ports.dhcp'])).toEqual({
      public_endpoint: '',
      ports: { dhcp: 0 },
    });
    expect(buildConfigBody({ domain: 'x' }, [])).toEqual({});
  });
});
