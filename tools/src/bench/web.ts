import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ChartFixture } from './chart';
import { postGraphql } from '../gateway-client';
import { percentile } from './measure';
import type { BenchPlatform } from './platform-process';

/**
 * The web bench (issue 7), in Debian's chromium through playwright-core against the platform as
 * `npm start` runs it: how long the chart of the largest fixture patient takes to become usable,
 * cold (a fresh browser profile: nothing cached) and warm (the same profile loading it again); how
 * long a comment takes from one doctor's browser to another's panel; and what JavaScript the build
 * ships (web/dist/assets: the bench measures the build that is there, `npm run bench` makes it).
 */

// the functions handed to the page (evaluate, waitForFunction) run in the browser, with its globals
declare const window: any;
declare const document: any;
declare const sessionStorage: any;
declare const MutationObserver: any;
declare const requestAnimationFrame: (callback: () => void) => void;

export const WEB_DIST = path.resolve(__dirname, '../../../web/dist');
/** Where the web client keeps the refresh token (web/src/auth/session.ts). */
const REFRESH_KEY = 'caregraph.refreshToken';
const BENCH_PASSWORD = 'bench-web-password-2026';
/** The chart must be usable within this long, or the run fails. */
const READY_TIMEOUT_MS = 60_000;
/** A comment not in the other panel by then counts as not delivered (no live panel: it needs a reload). */
const DELIVERY_TIMEOUT_MS = 10_000;

export interface Timing {
  runs: number;
  p50: number;
  p95: number;
}

export interface BundleSize {
  files: number;
  totalRaw: number;
  totalGzip: number;
  entryFile: string;
  entryRaw: number;
  entryGzip: number;
  largest: { file: string; raw: number; gzip: number }[];
}

export interface WebBenchReport {
  /** The size of the chart measured. */
  chart: { encounters: number; observations: number };
  cold: Timing;
  warm: Timing;
  /** JavaScript bytes a cold chart load fetched (the entry, the signed-in shell, the care area, the chart and the trend plots). */
  coldChartJs: number;
  roundTrip: Timing & { delivered: number; sent: number };
  bundle: BundleSize;
}

const round = (value: number) => Math.round(value * 10) / 10;

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)) };
}

/** The built JavaScript: every chunk, and the entry chunk index.html loads (what the sign-in page needs). */
export function bundleSize(dist = WEB_DIST): BundleSize {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const entry = /<script[^>]+type="module"[^>]+src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error('web/dist/index.html names no entry script');
  const sizes = readdirSync(path.join(dist, 'assets'))
    .filter((file) => file.endsWith('.js'))
    .map((file) => {
      const content = readFileSync(path.join(dist, 'assets', file));
      return { file, raw: content.length, gzip: gzipSync(content).length };
    })
    .sort((a, b) => b.raw - a.raw);
  const entrySize = sizes.find((size) => size.file === entry)!;
  return {
    files: sizes.length,
    totalRaw: sizes.reduce((sum, size) => sum + size.raw, 0),
    totalGzip: sizes.reduce((sum, size) => sum + size.gzip, 0),
    entryFile: entry,
    entryRaw: entrySize.raw,
    entryGzip: entrySize.gzip,
    largest: sizes.filter((size) => size.file !== entry).slice(0, 5),
  };
}

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Two physicians of the fixture patient's organization, created through the API by an admin of that
 * organization (a token the bench signs, as chart.ts does): the browsers sign in as real accounts.
 */
async function createPhysicians(platform: BenchPlatform, fixture: ChartFixture): Promise<string[]> {
  const admin = await platform.tokenFor({ kind: 'user', userId: randomUUID(), role: 'org_admin', organizationId: fixture.organizationId, patientId: null, sessionId: 'bench-web' });
  const emails = ['a', 'b'].map((who) => `bench-web-${who}-${randomUUID().slice(0, 8)}@bench.invalid`);
  for (const [index, email] of emails.entries()) {
    await postGraphql(platform.gatewayUrl, 'mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email, password: BENCH_PASSWORD, displayName: `Bench Doctor ${'AB'[index]}`, role: 'PHYSICIAN' } }, { authorization: `Bearer ${admin}` });
  }
  return emails;
}

/** A fresh refresh token of the account (signing in through the gateway, as the sign-in page does). */
async function refreshTokenOf(platform: BenchPlatform, email: string): Promise<string> {
  const response = await fetch(new URL('/auth/login', platform.gatewayUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: BENCH_PASSWORD }) });
  if (!response.ok) throw new Error(`bench sign-in failed with status ${response.status}`);
  return ((await response.json()) as { refreshToken: string }).refreshToken;
}

/**
 * A fresh browser profile whose tab holds a session, as after signing in and reloading: the page
 * restores it from the refresh token (it rotates; the stored one is never set again).
 */
async function signedInContext(browser: Browser, platform: BenchPlatform, email: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: new URL('/', platform.gatewayUrl).href });
  await context.addInitScript(([key, token]) => {
    if (!sessionStorage.getItem(key)) sessionStorage.setItem(key, token);
  }, [REFRESH_KEY, await refreshTokenOf(platform, email)] as const);
  return context;
}

/**
 * Navigates to the chart and resolves with the milliseconds from navigation start until it is
 * usable: the header (name, registrations), the summary (latest vitals), the first trend plot drawn
 * and the comment box enabled. Checked in the page on every animation frame, timed by the page's
 * own clock (performance.now() counts from navigation start).
 */
async function chartUsable(page: Page, patientId: string): Promise<number> {
  await page.goto(`/care/patients/${patientId}`, { waitUntil: 'commit' });
  const ready = await page.waitForFunction(() => {
    const headings = (selector: string) => Array.from(document.querySelectorAll(selector) as ArrayLike<{ textContent: string | null }>).map((element) => element.textContent?.trim() ?? '');
    const header = document.querySelector('main header h1')?.textContent?.trim() && document.querySelector('ul[aria-label="Registrations"]');
    const summary = headings('h2').includes('Summary') && headings('h3').includes('Latest vitals');
    const plot = document.querySelector('figure.trend svg.recharts-surface');
    const boxes = document.querySelectorAll('textarea') as ArrayLike<{ disabled: boolean; labels: ArrayLike<{ textContent: string | null }> | null }>;
    const comment = Array.from(boxes).find((box) => box.labels?.[0]?.textContent?.startsWith('New comment'));
    return header && summary && plot && comment && !comment.disabled ? performance.now() : false;
  }, undefined, { polling: 'raf', timeout: READY_TIMEOUT_MS });
  return (await ready.jsonValue()) as number;
}

async function measureChart(browser: Browser, platform: BenchPlatform, fixture: ChartFixture, email: string, runs: number): Promise<{ cold: number[]; warm: number[]; coldJs: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  let coldJs = 0;
  for (let run = 0; run < runs; run += 1) {
    const context = await signedInContext(browser, platform, email);
    try {
      const page = await context.newPage();
      cold.push(await chartUsable(page, fixture.patientId));
      if (run === 0) {
        coldJs = await page.evaluate(() => performance.getEntriesByType('resource')
          .filter((entry) => entry.name.endsWith('.js'))
          .reduce((sum, entry) => sum + (entry as unknown as { encodedBodySize: number }).encodedBodySize, 0));
      }
      warm.push(await chartUsable(page, fixture.patientId)); // the same profile again: scripts cached, session restored
    } finally {
      await context.close();
    }
  }
  return { cold, warm, coldJs };
}

/**
 * Doctor A posts a comment; the time until doctor B's panel (another browser) shows it, from the
 * moment A's "Post comment" is clicked to the next frame after B's panel has the text (epoch
 * clocks of two pages on one machine). A comment B never shows within 10 s counts as not delivered.
 */
async function measureRoundTrip(platform: BenchPlatform, fixture: ChartFixture, emails: string[], comments: number): Promise<{ samples: number[]; sent: number }> {
  const browsers = await Promise.all(emails.map(() => launch()));
  try {
    const [a, b] = await Promise.all(browsers.map(async (browser, index) => {
      const page = await (await signedInContext(browser, platform, emails[index])).newPage();
      await chartUsable(page, fixture.patientId);
      return page;
    }));
    const box = a.getByRole('complementary', { name: 'Comments' }).getByRole('textbox', { name: /^New comment/ });
    const samples: number[] = [];
    for (let index = 0; index < comments; index += 1) {
      const text = `Bench round trip ${index} ${randomUUID().slice(0, 8)}`;
      await box.fill(text);
      // B watches its panel before A posts: the arrival is the next frame after the text is there
      await b.evaluate(([wanted, timeoutMs]) => {
        window.benchArrival = new Promise<number | null>((resolve) => {
          const has = () => document.querySelector('ol[aria-label="Comment threads"]')?.textContent?.includes(wanted);
          const done = (at: number | null) => {
            observer.disconnect();
            clearTimeout(timer);
            resolve(at);
          };
          const observer = new MutationObserver(() => {
            if (has()) requestAnimationFrame(() => done(performance.timeOrigin + performance.now()));
          });
          const timer = setTimeout(() => done(null), timeoutMs);
          observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        });
      }, [text, DELIVERY_TIMEOUT_MS] as const);
      const posted = await a.evaluate(() => {
        const buttons = document.querySelectorAll('button') as ArrayLike<{ textContent: string | null; click(): void }>;
        const button = Array.from(buttons).find((candidate) => candidate.textContent?.trim() === 'Post comment');
        if (!button) throw new Error('no Post comment button');
        const at = performance.timeOrigin + performance.now();
        button.click();
        return at;
      });
      const arrived = (await b.evaluate(() => window.benchArrival)) as number | null;
      if (arrived !== null) samples.push(arrived - posted);
      await a.getByRole('list', { name: 'Comment threads' }).getByText(text).waitFor(); // stored before the next one
    }
    return { samples, sent: comments };
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()));
  }
}

export async function benchWeb(platform: BenchPlatform, fixture: ChartFixture, options: { runs: number; comments: number }): Promise<WebBenchReport> {
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) throw new Error('web/dist is missing: build the web client first (npm run build)');
  const bundle = bundleSize();
  const emails = await createPhysicians(platform, fixture);
  const browser = await launch();
  let chart: Awaited<ReturnType<typeof measureChart>>;
  try {
    process.stderr.write(`bench: the chart in the browser, ${options.runs} cold and warm loads...\n`);
    chart = await measureChart(browser, platform, fixture, emails[0], options.runs);
  } finally {
    await browser.close();
  }
  process.stderr.write(`bench: comment round trip between two browsers, ${options.comments} comments...\n`);
  const roundTrip = await measureRoundTrip(platform, fixture, emails, options.comments);
  const counts = await postGraphql(platform.gatewayUrl, 'query ($id: ID!) { patient(id: $id) { encounters(first: 1) { totalCount } observations(first: 1) { totalCount } } }', { id: fixture.patientId },
    { authorization: `Bearer ${await platform.tokenFor({ kind: 'user', userId: randomUUID(), role: 'physician', organizationId: fixture.organizationId, patientId: null, sessionId: 'bench-web' })}` });
  return {
    chart: { encounters: counts.patient.encounters.totalCount, observations: counts.patient.observations.totalCount },
    cold: timing(chart.cold),
    warm: timing(chart.warm),
    coldChartJs: chart.coldJs,
    roundTrip: { ...timing(roundTrip.samples), delivered: roundTrip.samples.length, sent: roundTrip.sent },
    bundle,
  };
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

export function webTable(report: WebBenchReport): string {
  const built = statSync(path.join(WEB_DIST, 'index.html')).mtime.toISOString().slice(0, 16).replace('T', ' ');
  const live = report.roundTrip.delivered === report.roundTrip.sent;
  return [
    `The web client in Debian's chromium (headless, playwright-core) against the platform as \`npm start\` runs it, every process on this machine. The chart of the largest Synthea fixture patient (${report.chart.encounters} encounters, ${report.chart.observations} observations) as a physician of their organization: from navigation start (a reload with the session in the tab) until the header, the summary, the first trend plot and an enabled comment box are on screen; cold = a fresh browser profile (nothing cached), warm = the same profile loading it again. ${report.cold.runs} runs each.`,
    '',
    '| measurement | runs | p50 ms | p95 ms |',
    '|---|---:|---:|---:|',
    `| chart usable, cold | ${report.cold.runs} | ${report.cold.p50} | ${report.cold.p95} |`,
    `| chart usable, warm | ${report.warm.runs} | ${report.warm.p50} | ${report.warm.p95} |`,
    `| comment round trip, doctor A's browser → doctor B's panel | ${report.roundTrip.delivered} of ${report.roundTrip.sent} delivered | ${report.roundTrip.p50} | ${report.roundTrip.p95} |`,
    '',
    live ? '- every comment reached the other browser live' : `- **${report.roundTrip.sent - report.roundTrip.delivered} of ${report.roundTrip.sent} comments never reached the other browser within ${DELIVERY_TIMEOUT_MS / 1000} s** (no live delivery to the panel: it shows them after a reload)`,
    `- JavaScript a cold chart load fetched: ${kB(report.coldChartJs)} (bytes as sent: the gateway serves precompressed brotli or gzip)`,
    '',
    `The built JavaScript (web/dist/assets, built ${built} UTC; gzip: node:zlib at its default level):`,
    '',
    '| chunk | raw | gzip |',
    '|---|---:|---:|',
    `| all ${report.bundle.files} chunks | ${kB(report.bundle.totalRaw)} | ${kB(report.bundle.totalGzip)} |`,
    `| entry (${report.bundle.entryFile}: what the sign-in page needs) | ${kB(report.bundle.entryRaw)} | ${kB(report.bundle.entryGzip)} |`,
    ...report.bundle.largest.map((size) => `| ${size.file} | ${kB(size.raw)} | ${kB(size.gzip)} |`),
    '',
  ].join('\n');
}
