// Browser flows of the web UI, driven with playwright-core and Debian's
// Chromium. tests/e2e/test_webui.py runs one flow per invocation against a
// real cell behind Caddy and checks the cell's state through the API itself.
//
//   node webui/e2e/flows.mjs --base http://127.0.0.1:8081 --flow login --shots DIR
//        [--user admin] [--expect-cell test.cell] [--domain home.example]
//        [--service caddy] [--rollback-to 1] [--record-name www] [--record-value 192.0.2.7]
//        [--allow 192.168.77.0/24] [--peer-name phone]
// The password comes from the environment (PIC_E2E_PASSWORD). The outcome
// is one JSON line on stdout: {"flow","ok","error"?,"screenshot","seen":{...}};
// the exit status is 0 when the flow passed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    base: { type: 'string', default: 'http://127.0.0.1:8081' },
    flow: { type: 'string' },
    shots: { type: 'string', default: tmpdir() },
    user: { type: 'string', default: 'admin' },
    'expect-cell': { type: 'string', default: '' },
    domain: { type: 'string', default: 'home.example' },
    service: { type: 'string', default: 'caddy' },
    'rollback-to': { type: 'string', default: '1' },
    'record-name': { type: 'string', default: 'uitest' },
    'record-value': { type: 'string', default: '192.0.2.55' },
    allow: { type: 'string', default: '192.168.77.0/24' },
    'peer-name': { type: 'string', default: 'phone' },
    chromium: { type: 'string', default: process.env.PIC_CHROMIUM || '/usr/bin/chromium' },
    timeout: { type: 'string', default: '20000' },
  },
});

const PASSWORD = process.env.PIC_E2E_PASSWORD;
const T = Number(opt.timeout);
const seen = {};

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function text(locator) {
  return ((await locator.textContent({ timeout: T })) ?? '').trim();
}

/** Polls fn until it returns a truthy value; fails with `what` after `ms`. */
async function until(fn, what, ms = T, every = 200) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function login(page) {
  await page.goto(`${opt.base}/`, { waitUntil: 'domcontentloaded' });
  // Not signed in: the app sends us to the login page.
  await page.waitForURL(/\/login$/, { timeout: T });
  await page.getByLabel('Username').fill(opt.user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor({ timeout: T });
}

/** Fails with the page's error alerts, if any (a list or form that did not load). */
async function noErrorAlerts(page, where) {
  const alerts = (await page.getByRole('alert').allTextContents()).map((t) => t.trim()).filter(Boolean);
  check(alerts.length === 0, `${where} shows errors: ${alerts.join(' | ')}`);
}

async function openDns(page) {
  await page.getByRole('link', { name: 'DNS', exact: true }).click();
  await page.getByRole('heading', { name: 'DNS', exact: true }).waitFor({ timeout: T });
  const zone = page.getByTestId('dns-zone');
  await zone.waitFor({ timeout: T });
  return text(zone);
}

async function openPeers(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Peers', exact: true }).click();
  await page.getByRole('heading', { name: 'Peers', exact: true, level: 1 }).waitFor({ timeout: T });
  await page.getByRole('table', { name: 'Peers' }).or(page.getByText('No peers yet.')).waitFor({ timeout: T });
}

/** GET from the page with its session (cookie): the status and JSON body. */
async function apiGet(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, path);
}

async function serviceRow(page, name) {
  return page.locator(`tr[data-service="${name}"]`);
}

const FLOWS = {
  async login(page) {
    await login(page);
    check(new URL(page.url()).pathname === '/', `after login the URL is ${page.url()}`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    seen.nav = (await nav.getByRole('link').allTextContents()).map((s) => s.trim());
    for (const label of ['Dashboard', 'Services', 'Peers', 'DNS', 'DHCP', 'NTP', 'Settings', 'Users', 'API tokens', 'Revisions'])
      check(seen.nav.includes(label), `navigation lacks ${label}: ${seen.nav}`);
  },

  async dashboard(page) {
    await login(page);
    const fqdn = page.getByTestId('cell-fqdn');
    await fqdn.waitFor({ timeout: T });
    seen.cell = await text(fqdn);
    if (opt['expect-cell']) check(seen.cell === opt['expect-cell'], `cell name is '${seen.cell}', expected '${opt['expect-cell']}'`);
    const row = await serviceRow(page, opt.service);
    await until(async () => (await text(row.locator('[data-state]'))) === 'ready', `${opt.service} ready on the dashboard`);
    seen.state = await text(row.locator('[data-state]'));
    seen.uptime = await text(row.getByTestId('uptime'));
  },

  async live_log(page) {
    await login(page);
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByRole('button', { name: `Show the log of ${opt.service}` }).click();
    const log = page.getByRole('log', { name: `Log of ${opt.service}` });
    await log.waitFor({ timeout: T });
    await until(async () => (await text(page.getByTestId('log-status'))) === 'Live', 'the log stream to be live');
    await until(async () => (await log.locator('li').count()) > 0 && !(await text(log)).includes('No log lines yet'), 'the first log lines');
    const before = await log.locator('li').allTextContents();
    seen.lines_before = before.length;
    // A new line while we watch: ask for a restart through the API (from the
    // page, with its session and CSRF token), without reloading the page.
    const status = await page.evaluate(async (name) => {
      const r = await fetch(`/api/containers/${name}/restart`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': sessionStorage.getItem('pic.csrf') ?? '' },
      }).catch(() => null);
      return r ? r.status : 0;
    }, opt.service);
    seen.trigger_status = status;
    const known = new Set(before);
    const fresh = await until(async () => {
      const now = await log.locator('li').allTextContents();
      const added = now.filter((l) => !known.has(l));
      return added.length ? added : null;
    }, 'a new log line to arrive in the open view', 30000);
    seen.new_lines = fresh.slice(0, 5);
    await until(async () => (await text(page.getByTestId('log-status'))) === 'Live', 'the log stream to be live again');
  },

  async restart(page) {
    await login(page);
    await page.getByRole('link', { name: 'Services' }).click();
    const row = await serviceRow(page, opt.service);
    await until(async () => (await text(row.locator('[data-state]'))) === 'ready', `${opt.service} ready before the restart`);
    const pidBefore = await text(row.locator('td').nth(3));
    seen.pid_before = pidBefore;
    await page.getByRole('button', { name: `Restart ${opt.service}` }).click();
    // The outcome is announced; then the service is ready again with a new process.
    await page.getByRole('status').filter({ hasText: opt.service }).first().waitFor({ timeout: T });
    await until(async () => {
      const state = await text(row.locator('[data-state]'));
      const pid = await text(row.locator('td').nth(3));
      seen.pid_after = pid;
      return state === 'ready' && pid !== pidBefore && pid !== '—';
    }, `${opt.service} ready again with a new pid`, 30000);
  },

  async apply_confirm(page) {
    await login(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    const domain = page.getByLabel('Domain', { exact: true });
    await domain.waitFor({ timeout: T });
    seen.domain_before = await domain.inputValue();
    await domain.fill(opt.domain);
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-field="domain"]');
    await row.waitFor({ timeout: T });
    seen.pending_from = await text(row.getByTestId('from'));
    seen.pending_to = await text(row.getByTestId('to'));
    check(seen.pending_from === seen.domain_before, `pending from '${seen.pending_from}', expected '${seen.domain_before}'`);
    check(seen.pending_to === opt.domain, `pending to '${seen.pending_to}', expected '${opt.domain}'`);
    await page.getByLabel('Confirm window (seconds)').fill('120');
    await page.getByRole('button', { name: 'Apply changes' }).click();
    const countdown = page.getByTestId('countdown');
    await countdown.waitFor({ timeout: T });
    const first = await text(countdown);
    // The countdown is live: it moves on its own.
    const second = await until(async () => {
      const t = await text(countdown);
      return t !== first ? t : null;
    }, 'the countdown to tick', 5000, 250);
    seen.countdown = [first, second];
    await page.screenshot({ path: join(opt.shots, 'apply_confirm-countdown.png'), fullPage: true });
    await page.getByRole('button', { name: 'Confirm changes' }).click();
    await page.getByTestId('confirm-countdown').waitFor({ state: 'detached', timeout: T });
    await page.getByText(/Confirmed: revision #\d+ is kept/).waitFor({ timeout: T });
    await until(async () => (await domain.inputValue()) === opt.domain, `the Domain field to show ${opt.domain}`);
    await until(async () => (await text(page.getByTestId('cell-name'))).endsWith(`.${opt.domain}`), 'the header to show the new domain');
    seen.header = await text(page.getByTestId('cell-name'));
  },

  // Creates an A record through the DNS page; the test then asks Unbound.
  async dns_create(page) {
    await login(page);
    const zone = await openDns(page);
    const name = opt['record-name'];
    const fqdn = `${name}.${zone}`;
    seen.zone = zone;
    const form = page.getByRole('form', { name: 'New record' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Type', { exact: true }).selectOption('A');
    await form.getByLabel('Value', { exact: true }).fill(opt['record-value']);
    seen.preview = await text(form.getByTestId('fqdn-preview'));
    await form.getByRole('button', { name: 'Create record' }).click();
    await page.getByText(`Record ${fqdn} A created.`).waitFor({ timeout: T });
    seen.created_ms = Date.now();
    const row = page.locator(`tr[data-fqdn="${fqdn}"]`);
    await row.waitFor({ timeout: T });
    seen.fqdn = await row.getAttribute('data-fqdn');
    seen.value = await text(row.getByTestId('record-value'));
    seen.id = Number(await row.getAttribute('data-record-id'));
    await noErrorAlerts(page, 'the DNS page');
  },

  // Finds the record by searching, deletes it after confirming.
  async dns_delete(page) {
    await login(page);
    const zone = await openDns(page);
    const fqdn = `${opt['record-name']}.${zone}`;
    await page.getByLabel('Search', { exact: true }).fill(opt['record-name']);
    const row = page.locator(`tr[data-fqdn="${fqdn}"]`);
    await row.waitFor({ timeout: T });
    seen.rows_found = await page.locator('tr[data-fqdn]').count();
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.getByRole('button', { name: `Delete ${fqdn}` }).click();
    await page.getByText(`Record ${fqdn} A deleted.`).waitFor({ timeout: T });
    await row.waitFor({ state: 'detached', timeout: T });
    seen.deleted = fqdn;
    await noErrorAlerts(page, 'the DNS page');
  },

  // The DHCP page renders its settings, reservations and leases (DHCP off by default).
  async dhcp_page(page) {
    await login(page);
    await page.getByRole('link', { name: 'DHCP', exact: true }).click();
    const form = page.getByRole('form', { name: 'DHCP settings' });
    await form.waitFor({ timeout: T });
    seen.enabled = await form.getByLabel('Serve DHCP on the LAN').isChecked();
    seen.state = await text(page.getByTestId('dhcp-state'));
    // The interfaces arrived (the hint says when they could not be loaded).
    await until(async () => !(await text(form)).includes('could not be loaded'), 'the interface list');
    seen.interfaces = (await form.getByLabel('Interface', { exact: true }).locator('option').allTextContents()).map((o) => o.trim());
    await page.getByText('No reservations.').or(page.getByRole('list', { name: 'Reservations' })).waitFor({ timeout: T });
    await page.getByText('DHCP is off, so there are no leases.').waitFor({ timeout: T });
    // A poll of the leases has passed without error.
    await page.waitForResponse((r) => r.url().endsWith('/api/dhcp/leases') && r.status() === 200, { timeout: 15000 });
    await noErrorAlerts(page, 'the DHCP page');
  },

  // The NTP page renders chrony's status and its settings; one allowed network is added there.
  async ntp_page(page) {
    await login(page);
    await page.getByRole('link', { name: 'NTP', exact: true }).click();
    const running = page.getByTestId('ntp-running');
    await running.waitFor({ timeout: T });
    seen.running = await text(running);
    seen.synchronised = await text(page.getByTestId('ntp-synchronised'));
    const form = page.getByRole('form', { name: 'NTP settings' });
    await form.waitFor({ timeout: T });
    const servers = form.getByRole('group', { name: 'Upstream servers' }).getByRole('textbox');
    seen.servers = [];
    for (let i = 0; i < (await servers.count()); i++) seen.servers.push(await servers.nth(i).inputValue());
    seen.local_stratum = await form.getByLabel('Local stratum').inputValue();
    await noErrorAlerts(page, 'the NTP page');
    await form.getByRole('button', { name: 'Add network' }).click();
    await form.getByLabel('Network 1', { exact: true }).fill(opt.allow);
    await form.getByRole('button', { name: 'Save NTP settings' }).click();
    const outcome = form.getByText(/^(Applied|Staged): /);
    await outcome.waitFor({ timeout: T });
    seen.outcome = await text(outcome);
    await noErrorAlerts(page, 'the NTP page after saving');
  },

  // Adds a peer, sees its QR code on screen and downloads its .conf (the
  // test compares the file with GET /api/peers/NAME/config?format=conf).
  async peer_add(page) {
    await login(page);
    await openPeers(page);
    const name = opt['peer-name'];
    const form = page.getByRole('form', { name: 'Add peer' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    seen.fqdn_preview = await text(form.getByTestId('peer-fqdn-preview'));
    await form.getByRole('button', { name: 'Add peer' }).click();
    const panel = page.getByTestId('peer-config');
    const img = panel.getByRole('img', { name: `QR code of the config of ${name}` });
    await img.waitFor({ timeout: T });
    // Drawn, not merely in the DOM: the browser decoded the SVG and shows it.
    const drawn = await until(
      () =>
        img.evaluate((el) =>
          el.complete && el.naturalWidth > 0
            ? { natural: [el.naturalWidth, el.naturalHeight], shown: [el.clientWidth, el.clientHeight], src: el.src.slice(0, 26) }
            : null,
        ),
      'the QR code image to load',
    );
    seen.qr = drawn;
    check(await img.isVisible(), 'the QR code is not visible');
    await page.screenshot({ path: join(opt.shots, 'peer_add-qr.png'), fullPage: true });
    // The code as the screen shows it, for the test to decode (zbarimg).
    seen.qr_png = join(opt.shots, 'peer_add-qrcode.png');
    await img.screenshot({ path: seen.qr_png });
    seen.config_text = await panel.getByTestId('peer-config-text').textContent();
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: T }),
      panel.getByRole('link', { name: 'Download .conf' }).click(),
    ]);
    seen.download_name = download.suggestedFilename();
    seen.download_path = join(opt.shots, `downloaded-${seen.download_name}`);
    await download.saveAs(seen.download_path);
    check((await download.failure()) === null, `the download failed: ${await download.failure()}`);
    const row = page.locator(`tr[data-peer="${name}"]`);
    await row.waitFor({ timeout: T });
    seen.ip = await text(row.getByTestId('peer-ip'));
    seen.fqdn = await text(row.getByTestId('peer-fqdn'));
    seen.state = await text(row.locator('[data-state]'));
    seen.services = await text(row.getByTestId('peer-services'));
    await noErrorAlerts(page, 'the Peers page');
  },

  // Finds the peer by searching, disables it, then deletes it after confirming.
  async peer_disable_delete(page) {
    await login(page);
    await openPeers(page);
    const name = opt['peer-name'];
    await page.getByLabel('Search', { exact: true }).fill(name);
    const row = page.locator(`tr[data-peer="${name}"]`);
    await row.waitFor({ timeout: T });
    seen.state_before = await text(row.locator('[data-state]'));
    await row.getByRole('button', { name: `Disable ${name}` }).click();
    await page.getByText(`Peer ${name} disabled.`).waitFor({ timeout: T });
    await until(async () => (await text(row.locator('[data-state]'))) === 'disabled', 'the row to show disabled');
    seen.state_after_disable = 'disabled';
    await row.getByRole('button', { name: `Enable ${name}` }).waitFor({ timeout: T });
    seen.enabled_after_disable = (await apiGet(page, `/api/peers/${name}`)).body?.enabled;
    await row.getByRole('button', { name: 'Delete', exact: true }).click();
    await row.getByRole('button', { name: `Delete ${name}` }).click();
    await page.getByText(`Peer ${name} deleted.`).waitFor({ timeout: T });
    await row.waitFor({ state: 'detached', timeout: T });
    seen.status_after_delete = (await apiGet(page, `/api/peers/${name}`)).status;
    await noErrorAlerts(page, 'the Peers page');
  },

  async rollback(page) {
    await login(page);
    await page.getByRole('link', { name: 'Revisions' }).click();
    const n = opt['rollback-to'];
    await page.getByLabel('Go to revision').fill(n);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    const item = page.locator(`li[data-revision="${n}"]`);
    await item.waitFor({ timeout: T });
    // The diff of that revision.
    await item.getByText(`Diff of #${n}`).click();
    const diff = item.getByRole('table');
    await diff.waitFor({ timeout: T });
    seen.diff_rows = await diff.locator('tbody tr').count();
    check(seen.diff_rows > 0, 'the diff has no rows');
    await item.getByRole('button', { name: `Roll back to #${n}` }).click();
    await item.getByRole('button', { name: 'Roll back', exact: true }).click();
    const done = page.getByText(new RegExp(`Rolled back to revision #${n}; the result is revision #(\\d+)`));
    await done.waitFor({ timeout: T });
    seen.notice = await text(done);
    seen.new_revision = Number(/#(\d+)\.$/.exec(seen.notice)?.[1]);
    // The newest revision now is the rollback, and the config is restored.
    const newest = page.locator(`li[data-revision="${seen.new_revision}"]`);
    await newest.waitFor({ timeout: T });
    await newest.getByText(`Diff of #${seen.new_revision}`).click();
    await page.screenshot({ path: join(opt.shots, 'rollback-revisions.png'), fullPage: true });
    await page.getByRole('link', { name: 'Settings' }).click();
    const domain = page.getByLabel('Domain', { exact: true });
    await domain.waitFor({ timeout: T });
    seen.domain_after = await domain.inputValue();
    seen.header = await text(page.getByTestId('cell-name'));
  },
};

async function main() {
  const name = opt.flow;
  const flow = FLOWS[name];
  if (!flow) {
    console.log(JSON.stringify({ flow: name, ok: false, error: `unknown flow; one of ${Object.keys(FLOWS).join(', ')}` }));
    process.exit(2);
  }
  if (!PASSWORD) {
    console.log(JSON.stringify({ flow: name, ok: false, error: 'PIC_E2E_PASSWORD is not set' }));
    process.exit(2);
  }
  const profile = mkdtempSync(join(tmpdir(), 'pic-chromium-'));
  const shot = join(opt.shots, `${name}.png`);
  let browser;
  let result;
  const consoleErrors = [];
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: opt.chromium,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      timeout: 30000,
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(T);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    try {
      await flow(page);
      await page.screenshot({ path: shot, fullPage: true });
      result = { flow: name, ok: true, screenshot: shot, seen };
    } catch (e) {
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      result = { flow: name, ok: false, error: String(e?.stack ?? e), screenshot: shot, seen, url: page.url() };
    }
  } catch (e) {
    result = { flow: name, ok: false, error: `cannot start Chromium (${opt.chromium}): ${e?.message ?? e}` };
  } finally {
    if (browser) await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
  // A page error is a failure even when the flow got through.
  const pageErrors = consoleErrors.filter((m) => m.startsWith('pageerror:'));
  if (result.ok && pageErrors.length) result = { ...result, ok: false, error: `page errors: ${pageErrors.join('; ')}` };
  result.console_errors = consoleErrors;
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

await main();
