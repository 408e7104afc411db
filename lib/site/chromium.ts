/**
 * The installed Chromium (Debian's `chromium` package), driven through
 * `playwright-core`, which never downloads a browser: the browser tests and
 * the page's measurements open the built page with it. Each launch uses a
 * fresh profile folder, removed on close, and no network service of the browser.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** A running browser with one page. */
export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly close: () => Promise<void>;
}

/** Starts headless Chromium (`executable`, default `/usr/bin/chromium`) with a fresh profile. */
export async function launchChromium(executable = process.env.CHROMIUM_PATH ?? CHROMIUM): Promise<Browser> {
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium is not installed at ${executable}; install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'fleet-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: executable,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Time from a real keystroke in the search box to the next painted frame
 * after the matrix updated, measured in the page, for each character of
 * `text` typed after clearing the box; milliseconds.
 */
export async function searchKeystrokeLatencies(page: Page, text: string): Promise<number[]> {
  const box = page.locator('input[type=search]');
  await box.fill('');
  await box.focus();
  const out: number[] = [];
  for (const ch of text) {
    await page.evaluate(() => {
      const w = window as unknown as { fleetKeyAt?: number; fleetPainted?: Promise<number> };
      w.fleetPainted = new Promise((resolvePainted) => {
        document.querySelector('input[type=search]')!.addEventListener(
          'keydown',
          (e) => {
            w.fleetKeyAt = e.timeStamp;
            // The input event updates the matrix; the frame after it shows the update.
            requestAnimationFrame(() => setTimeout(() => resolvePainted(performance.now() - w.fleetKeyAt!), 0));
          },
          { once: true },
        );
      });
    });
    await page.keyboard.press(ch);
    out.push(await page.evaluate(() => (window as unknown as { fleetPainted: Promise<number> }).fleetPainted));
  }
  return out;
}
