/**
 * The built fleet page in a real browser: Debian's Chromium through
 * playwright-core. Skipped only where Chromium is missing outside CI;
 * `.ci/run` installs it, so in CI these always run.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../lib/site/build.ts';
import { CHROMIUM, launchChromium, searchKeystrokeLatencies, type Browser } from '../../lib/site/chromium.ts';
import { readPins } from '../../lib/promote/versions.ts';
import { tempDir } from '../fixture.ts';
import { MONDAY_NOON, scenario, type Scenario } from './scenario.ts';

const ENVS = ['dev', 'sit', 'uat', 'staging', 'prod', 'dr'];
const chromium = process.env.CHROMIUM_PATH ?? CHROMIUM;

describe.skipIf(!existsSync(chromium) && !process.env.CI)('fleet page in Chromium', () => {
  let s: Scenario;
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    s = await scenario();
    file = (await buildSite(s.h.root, { out: 'site', now: MONDAY_NOON })).file;
    browser = await launchChromium(chromium);
    await browser.page.goto(`file://${file}`);
  });
  afterAll(async () => {
    await browser?.close();
    s?.h.cleanup();
  });

  const visibleApps = () =>
    browser.page.$$eval('tr[data-app]', (rows) =>
      rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute('data-app')),
    );

  it("shows each cell's pinned version from the repository's versions files", async () => {
    const page = browser.page;
    for (const app of ['claims-api', 'legacy-api', 'quote-api']) {
      for (const env of ENVS) {
        const text = await page.locator(`tr[data-app="${app}"] td[data-env="${env}"]`).innerText();
        const pin = readPins(s.h.root, env)[app];
        if (pin) {
          expect(text).toContain(pin.tag);
          expect(text).toContain(pin.digest!.slice(7, 19));
        } else {
          expect(text).toContain('not deployed');
        }
      }
    }
    expect(await page.locator('tr[data-app="quote-api"] td[data-env="dr"]').innerText()).toContain(
      'differs from its wave',
    );
    expect(await page.locator('table#fleet th[scope=col]').allInnerTexts()).toEqual([
      'App',
      'Team',
      'dev',
      'sit',
      'uat',
      'staging',
      'prod',
      'dr with prod',
    ]);
  });

  it('filters rows as the search box is typed into, and by team and state', async () => {
    const page = browser.page;
    await page.locator('input[type=search]').fill('quote');
    expect(await visibleApps()).toEqual(['quote-api']);
    expect(await page.locator('#count').innerText()).toBe('1 of 3 apps');
    await page.locator('input[type=search]').fill('');
    expect(await visibleApps()).toEqual(['claims-api', 'legacy-api', 'quote-api']);
    await page.selectOption('#team', 'claims');
    expect(await visibleApps()).toEqual(['claims-api', 'legacy-api']);
    await page.selectOption('#team', '');
    await page.selectOption('#state', 'drift');
    expect(await visibleApps()).toEqual(['quote-api']);
    await page.selectOption('#state', 'promotable');
    expect(await visibleApps()).toEqual(['legacy-api']);
    await page.selectOption('#state', '');
  });

  it('sorts rows', async () => {
    await browser.page.selectOption('#sort', 'alarm');
    expect(await visibleApps()).toEqual(['quote-api', 'claims-api', 'legacy-api']);
    await browser.page.selectOption('#sort', 'name');
    expect(await visibleApps()).toEqual(['claims-api', 'legacy-api', 'quote-api']);
  });

  it("opens a cell's detail with its pins, its releases and the promote command", async () => {
    const page = browser.page;
    await page.locator('tr[data-app="legacy-api"] td[data-env="sit"] button').click();
    const dialog = page.locator('dialog#detail');
    await expect.poll(() => dialog.getAttribute('open')).not.toBeNull();
    const text = await dialog.innerText();
    expect(text).toContain('legacy-api in sit');
    expect(await page.locator('#detail-command').innerText()).toBe('npm run -s promote -- legacy-api --to sit');
    expect(text).toContain('Upstream version\n2.0.0');
    expect(text).toContain(s.c.initial.slice(0, 12));
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.getAttribute('open')).toBeNull();
  });

  it('moves between cells with the arrow keys and opens one with Enter', async () => {
    const page = browser.page;
    await page.locator('tr[data-app="claims-api"] td[data-env="dev"] button').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => {
      const td = document.activeElement!.closest('td')!;
      return `${td.parentElement!.getAttribute('data-app')}/${td.getAttribute('data-env')}`;
    });
    expect(focused).toBe('legacy-api/sit');
    await page.keyboard.press('Enter');
    expect(await page.locator('#detail-title').innerText()).toBe('legacy-api in sit');
    await page.keyboard.press('Escape');
  });

  it('shows the release history and the DORA charts of the chosen environment and team', async () => {
    const page = browser.page;
    await page.selectOption('#history-env', 'dev');
    const history = await page.locator('[data-history-env="dev"]').innerText();
    expect(history).toMatch(/claims-api 1\.1\.0 → 1\.0\.0 · Alice Ops #24 .*\n.*rollback/);
    expect(await page.locator('[data-history-env="prod"]').isHidden()).toBe(true);
    await page.selectOption('#dora-env', 'dev');
    await page.selectOption('#dora-team', 'claims');
    const label = await page.locator('#dora-charts svg').first().getAttribute('aria-label');
    expect(label).toMatch(/^Deployment frequency, 12 weekly values: (0, ){11}4 \(releases a week\)$/);
  });

  it('updates the matrix within 100 ms of a keystroke, measured in the browser', async () => {
    const latencies = await searchKeystrokeLatencies(browser.page, 'legacy');
    expect(latencies).toHaveLength(6);
    for (const ms of latencies) expect(ms).toBeLessThan(100);
    expect(await visibleApps()).toEqual(['legacy-api']);
    await browser.page.locator('input[type=search]').fill('');
  });

  it('renders a screenshot into the test folder', async () => {
    const shot = join(tempDir('fleet-shot-'), 'fleet.png');
    await browser.page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });
});
