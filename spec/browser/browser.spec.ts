/**
 * cvat-rx in a real browser: a page bundled from the package root runs in headless Chromium
 * against the emulator on another origin (so every request goes through CORS), logs in, uploads
 * File objects with progress, follows status$, lists tasks and cancels an upload mid-flight.
 * Needs Debian's chromium (/usr/bin/chromium; `.ci/run` installs it); skipped without it.
 */
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { startEmulator } from '../../src/emulator';
import type { RunningEmulator } from '../../src/emulator';
import type { CancelOutcome, CancelStarted, MainResults } from './page/app';

const CHROMIUM = '/usr/bin/chromium';
// The flags the machine notes give: without the background-networking ones Chromium keeps
// dialling Google's hosts, which this closed network refuses.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const root = path.resolve(__dirname, '../..');
const haveChromium = existsSync(CHROMIUM);
const describeBrowser = haveChromium ? describe : describe.skip;
if (!haveChromium) {
  console.warn(`spec/browser: ${CHROMIUM} is absent, skipping (apt-get install -y chromium; .ci/run does)`);
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** The client went away before the response was complete. */
  aborted: boolean;
}

describeBrowser('cvat-rx in Chromium', () => {
  let emulator: RunningEmulator;
  let pageServer: Server;
  let pageOrigin: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const seen: Seen[] = [];
  const pending = new Set<Promise<void>>();
  const emulatorErrors: unknown[] = [];
  const pageErrors: string[] = [];
  // While set, TUS chunks are held unread until released: the browser's socket buffers fill and
  // its upload stalls with some bytes counted, so the cancellation lands mid-chunk. (A socket
  // nobody reads from does not report the client closing it, hence the release afterwards.)
  let holdPatches = false;
  const held: Array<() => void> = [];
  const release = (): void => held.splice(0).forEach((go) => go());

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(__dirname, 'page/app.ts')],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const script = bundle.outputFiles[0].text;

    emulator = await startEmulator({ port: 0, processingDelayMs: 5, onError: (e) => emulatorErrors.push(e) });
    const handle = emulator.emulator.handle.bind(emulator.emulator);
    emulator.emulator.handle = (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        aborted: false,
      };
      seen.push(entry);
      res.on('close', () => {
        if (res.writableFinished) return;
        entry.aborted = true;
      });
      const hold = holdPatches && entry.method === 'PATCH';
      const done = (hold ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve())
        .then(() => handle(req, res))
        .finally(() => pending.delete(done));
      pending.add(done);
      return done;
    };

    pageServer = createServer((req, res) => {
      if (req.url === '/app.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      } else {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(
            '<!doctype html><title>cvat-rx</title><h1>cvat-rx in a browser</h1><script src="/app.js"></script>',
          );
      }
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;

    userDataDir = mkdtempSync(path.join(tmpdir(), 'cvat-rx-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction(() => typeof window.cvatApp === 'object');
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    release();
    await Promise.all([...pending]);
    await emulator?.close();
    await new Promise<void>((resolve) => (pageServer ? pageServer.close(() => resolve()) : resolve()));
  });

  it('serves the page from another origin than the API', () => {
    expect(new URL(pageOrigin).origin).not.toBe(new URL(emulator.url).origin);
  });

  it('logs in, uploads Files with progress, follows status$ and lists tasks', async () => {
    const api = emulator.url;
    const results: MainResults = await page.evaluate((host) => window.cvatApp.run(host), api);

    expect(results.username).toBe('admin');
    // Every request went cross-origin: Chromium sent Origin and preflighted the custom headers.
    const fromPage = seen.filter((s) => s.headers.origin === pageOrigin);
    expect(fromPage.length).toBeGreaterThan(0);
    const preflights = seen.filter((s) => s.method === 'OPTIONS');
    const asked = preflights.map((s) => String(s.headers['access-control-request-headers'] ?? ''));
    expect(asked.some((h) => h.includes('upload-start'))).toBe(true);
    expect(asked.some((h) => h.includes('upload-offset'))).toBe(true);
    expect(asked.some((h) => h.includes('authorization'))).toBe(true);

    // Upload progress: starts at 0, never goes back, ends at the total of the File sizes.
    const total = results.fileSizes.reduce((a, b) => a + b, 0);
    const uploads = results.events.filter((e) => e.phase === 'upload');
    const loaded = uploads.map((e) => e.loaded);
    expect(uploads.every((e) => e.total === total)).toBe(true);
    expect(loaded[0]).toBe(0);
    expect(loaded[loaded.length - 1]).toBe(total);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    // Several steps between 0 and the end: the bar moves while the TUS chunks go out.
    expect(loaded.filter((l) => l > 0 && l < total).length).toBeGreaterThanOrEqual(2);
    expect(results.percents[results.percents.length - 1]).toBe(100);
    // Then the server's processing, as a fraction that ends at 1, after every upload event.
    const phases = results.events.map((e) => e.phase);
    expect(phases.lastIndexOf('upload')).toBeLessThan(phases.indexOf('processing'));
    const processing = results.events.filter((e) => e.phase === 'processing');
    expect(processing[processing.length - 1]).toEqual({ phase: 'processing', loaded: 1, total: 1 });
    expect(phases.every((p) => p === 'upload' || p === 'processing')).toBe(true);

    // The TUS file went in several PATCHes whose Location the page could read (exposed header).
    const patches = seen.filter(
      (s) => s.method === 'PATCH' && s.url.startsWith(`/api/tasks/${results.taskId}/`),
    );
    expect(patches.length).toBeGreaterThanOrEqual(3);
    expect(patches.every((p) => p.headers['tus-resumable'] === '1.0.0')).toBe(true);
    const bulk = seen.filter((s) => s.method === 'POST' && s.headers['upload-multiple'] !== undefined);
    expect(bulk.length).toBe(1);

    const finish = seen.find(
      (s) =>
        s.url.startsWith(`/api/tasks/${results.taskId}/data`) && s.headers['upload-finish'] !== undefined,
    );
    expect(finish?.method).toBe('POST');
    expect(results.statuses[results.statuses.length - 1]).toBe('finished');
    expect(results.sizeAfterProcessing).toBe(3);
    expect(results.listedNames).toContain(`${results.taskId}: browser upload (3 frames)`);
    expect(pageErrors).toEqual([]);
    expect(emulatorErrors).toEqual([]);

    expect(await page.locator('#upload').textContent()).toBe('processing 100%');
    mkdirSync(path.join(root, 'artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'artifacts/browser.png'), fullPage: true });
  });

  it('cancels an upload by unsubscribing: the request is aborted and nothing more is sent', async () => {
    holdPatches = true;
    const api = emulator.url;
    const started: CancelStarted = await page.evaluate((host) => window.cvatApp.startCancel(host), api);
    const dataUrl = `/api/tasks/${started.taskId}/data/`;

    // The page unsubscribes at the first progress past zero, while the chunk is still in flight.
    const outcome: CancelOutcome = await page.evaluate(() => window.cvatApp.cancelled());
    expect(outcome.loadedAtCancel).toBeGreaterThan(0);
    expect(outcome.loadedAtCancel).toBeLessThan(outcome.total);
    expect(held.length).toBe(1);

    // The emulator now reads the chunk and finds the connection closed by the browser.
    holdPatches = false;
    release();
    await Promise.all([...pending]);
    const patches = seen.filter((s) => s.method === 'PATCH' && s.url.startsWith(dataUrl));
    expect(patches).toHaveLength(1);
    const abortedRequest = patches[0];
    expect(abortedRequest.aborted).toBe(true);

    // A later request from the same page: the task got no data, and nothing of the cancelled
    // upload followed the aborted chunk (no resume, no next chunk, no Upload-Finish).
    const index = seen.indexOf(abortedRequest);
    const size = await page.evaluate(() => window.cvatApp.cancelledTaskSize());
    expect(size).toBe(0);
    const after = seen.slice(index + 1).filter((s) => s.url.startsWith(dataUrl));
    expect(after).toEqual([]);
    const finishes = seen.filter(
      (s) => s.url.startsWith(dataUrl) && s.headers['upload-finish'] !== undefined,
    );
    expect(finishes).toEqual([]);
    const final: CancelOutcome = await page.evaluate(() => window.cvatApp.cancelled());
    expect(final.afterCancel).toBe(0);
    expect(final.errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.screenshot({ path: path.join(root, 'artifacts/browser.png'), fullPage: true });
  });
});
