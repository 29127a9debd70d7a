import { writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { screenshotPath, signIn, type RunningPlatform } from './platform';

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
}

/** Opens a fresh browser profile signed in as a demo account, at `path`. */
export type OpenPage = (email: string, at: string, viewport?: { width: number; height: number }) => Promise<OpenedPage>;

const MAX_TEXT = 2_000;
const MAX_EVENTS = 30;

/**
 * A browser test's body, given `open` for its signed-in pages; every page it opened is closed
 * afterwards. When the body fails, the error tells what each page was showing and what went wrong
 * in it (GraphQL errors the API answered, script errors, failed requests), a screenshot of each
 * lands in test-artifacts/failed-*.png and the platform's recent log follows: a failure seen only
 * in CI can be read from CI's log.
 */
export function browserSession(environment: () => { browser: Browser; platform: RunningPlatform }) {
  return (body: (open: OpenPage) => Promise<void>) => async () => {
    const { browser, platform } = environment();
    const opened: { email: string; page: Page; context: BrowserContext; events: string[] }[] = [];
    const open: OpenPage = async (email, at, viewport) => {
      const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 900 }, baseURL: platform.baseUrl, acceptDownloads: true });
      const events: string[] = [];
      opened.push({ email, page: await context.newPage(), context, events });
      const { page } = opened[opened.length - 1];
      watch(page, events);
      await signIn(page, email, at);
      return { context, page };
    };
    try {
      await body(open);
    } catch (error) {
      const reports = await Promise.all(opened.map(({ email, page, events }, index) => describePage(`${index + 1} (${email})`, page, events)));
      const log = platform.recentLog().trim();
      if (error instanceof Error) {
        const told = error.message;
        error.message += `\n\n${reports.join('\n\n')}${log ? `\n\nplatform log (last lines):\n${log}` : ''}`;
        error.stack = error.stack?.replace(told, error.message); // jest prints the stack, which holds the message as it was
      }
      throw error;
    } finally {
      await Promise.all(opened.map(({ context }) => context.close().catch(() => undefined)));
    }
  };
}

/** Records what goes wrong in a page: the API's GraphQL errors, uncaught script errors, console errors, failed requests. */
function watch(page: Page, events: string[]): void {
  const note = (line: string) => {
    if (events.length < MAX_EVENTS) events.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  };
  page.on('pageerror', (error) => note(`script error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') note(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => note(`request failed: ${request.method()} ${new URL(request.url()).pathname} (${request.failure()?.errorText ?? 'unknown'})`));
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400) note(`HTTP ${response.status()} for ${response.request().method()} ${url.pathname}`);
    if (!url.pathname.endsWith('/graphql')) return;
    const operation = (response.request().postDataJSON() as { operationName?: string } | null)?.operationName ?? 'anonymous';
    response.json().then(
      (body: { errors?: { message: string; path?: unknown[]; extensions?: { code?: string } }[] }) => {
        for (const error of body.errors ?? []) note(`GraphQL error in ${operation} at ${JSON.stringify(error.path ?? [])}: ${error.extensions?.code ?? 'no code'}: ${error.message}`);
      },
      () => undefined, // not JSON (or the page went away): the status line above says enough
    );
  });
}

async function describePage(name: string, page: Page, events: string[]): Promise<string> {
  if (page.isClosed()) return `page ${name}: closed by the test`;
  const file = screenshotPath(`failed-${name.split(' ')[0]}`);
  const [text] = await Promise.all([
    page.locator('body').innerText({ timeout: 2_000 }).catch((error: Error) => `(no text: ${error.message})`),
    page.screenshot({ path: file, fullPage: true, timeout: 5_000 }).catch(() => writeFileSync(`${file}.txt`, 'screenshot failed')),
  ]);
  const shown = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  return [`page ${name} at ${page.url()} (screenshot ${file}):`, shown, events.length ? `what went wrong in it:\n${events.join('\n')}` : 'nothing went wrong in it that the page could see'].join('\n');
}
