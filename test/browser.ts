import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it when missing); Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
// Without the networking flags Chromium floods this offline machine with refused connections.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** One headless Chromium with a fresh profile (Playwright rejects --user-data-dir in launch(), hence a persistent context). */
export async function launchBrowser(locale = 'ja-JP'): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'helpdesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, locale });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A Web Chat message bubble holding the text. */
export const bubble = (page: Page, text: string) => page.locator('.webchat__bubble', { hasText: text }).first();
