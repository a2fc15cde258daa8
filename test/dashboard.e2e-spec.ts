import { mkdirSync } from 'node:fs';
import { Injectable, Module } from '@nestjs/common';
import type { Browser, Page, Request } from 'playwright-core';
import { TaskHandler } from '../src/task-types/task-handler.js';
import type { TaskContext, TaskHandler as Handler } from '../src/task-types/task-handler.js';
import { launchChromium, openDashboard, REMOTE_HOST, rowStatus, waitForRowStatus } from './support/browser.js';
import type { DashboardPage } from './support/browser.js';
import { ProbeHandlersModule } from './support/probe-handlers.js';
import { createTestDatabase } from './support/test-database.js';
import type { TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import type { TestApp } from './support/test-app.js';
import { waitFor } from './support/wait-for.js';

/**
 * Fails the first time it runs a task and succeeds every time after, a retry included. (The `fail` type
 * counts attempts, and a retry counts them from 1 again, so a `fail` task fails again after a retry.)
 */
const flakyRuns = new Set<string>();
@Injectable()
@TaskHandler({ type: 'flaky', description: 'Fails its first run of each task, then succeeds.' })
class FlakyHandler implements Handler {
  run(_payload: unknown, { task }: TaskContext): Promise<{ recovered: boolean }> {
    if (flakyRuns.has(task.id)) return Promise.resolve({ recovered: true });
    flakyRuns.add(task.id);
    return Promise.reject(new Error('flaky on its first run'));
  }
}

@Module({ providers: [FlakyHandler] })
class FlakyHandlerModule {}

interface QueueView {
  name: string;
  paused: boolean;
  counts: Record<string, number>;
}

/**
 * The dashboard in a real browser (Chromium from the npm package @sparticuz/chromium, through playwright-core), against replicas on a
 * real PostgreSQL. Every check is on what the page shows: rows, words, messages, focus. The page keeps
 * current through GET /tasks/events, or by polling every 3 s when the stream is unavailable, so every
 * wait below allows for a poll or two.
 */
describe('dashboard', () => {
  let database: TestDatabase;
  let app: TestApp;
  let browser: Browser;
  const open: DashboardPage[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(
      database.url,
      // A stubborn handler (it ignores its AbortSignal) is written off 2 s after a stop: long enough to
      // see `cancelling…`. Shutdown does not wait for the minute-long sleeps the tests leave running.
      { WORKER_CONCURRENCY: '8', CANCEL_GRACE_MS: '2000', SHUTDOWN_GRACE_MS: '200' },
      [ProbeHandlersModule, FlakyHandlerModule],
    );
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const dashboard of open.splice(0)) {
      const problems = dashboard.problems;
      await dashboard.close();
      expect(problems).toEqual([]);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const visit = async (target = app, options: Parameters<typeof openDashboard>[2] = {}): Promise<Page> => {
    const dashboard = await openDashboard(browser, target, options);
    open.push(dashboard);
    return dashboard.page;
  };

  const submit = async (body: object, target = app): Promise<string> =>
    ((await target.http.post('/tasks').send(body).expect(201)).body as { id: string }).id;

  /** A task that runs for a minute unless stopped. */
  const startLongSleep = async (): Promise<string> => {
    const id = await submit({ type: 'sleep', payload: { ms: 60_000 } });
    await app.waitForStatus(id, 'running');
    return id;
  };

  const stopButton = (page: Page, id: string) => page.locator(`tr[data-task-id="${id}"] button.stop`);

  /** Submits through the page's form and returns the id its confirmation names. */
  const submitThroughForm = async (
    page: Page,
    { type, payload, queue, key }: { type: string; payload: string; queue?: string; key?: string },
  ): Promise<string> => {
    const form = page.getByRole('form', { name: 'Submit a task' });
    await form.getByLabel('Type').selectOption(type);
    await form.getByLabel('Payload (JSON)').fill(payload);
    await form.getByLabel('Queue (optional)').fill(queue ?? '');
    await form.getByLabel('Key (optional)').fill(key ?? '');
    await form.getByRole('button', { name: 'Submit task' }).click();
    const confirmation = form.getByText(new RegExp(`Task \\d+ \\(${type}\\) submitted\\.`));
    await confirmation.waitFor();
    const id = /Task (\d+)/.exec((await confirmation.textContent()) ?? '')?.[1] ?? '';
    expect(id).toMatch(/^\d+$/);
    return id;
  };

  const queueOf = async (name: string): Promise<QueueView | undefined> =>
    ((await app.http.get('/queues').expect(200)).body as { queues: QueueView[] }).queues.find(
      (queue) => queue.name === name,
    );

  it('is served at /dashboard, / redirects there, and its assets stay inside their folder', async () => {
    await app.http.get('/').expect(302).expect('Location', '/dashboard');
    const page = await app.http
      .get('/dashboard')
      .expect(200)
      .expect('Content-Type', /text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    await app.http
      .get('/dashboard/assets/main.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    await app.http.get('/dashboard/assets/nope.js').expect(404);
    await app.http.get('/dashboard/assets/..%2F..%2Fapp.module.ts').expect(404);
    await app.http.get('/dashboard/assets/index.html').expect(404);
  });

  it('works over plain HTTP from a host name that is not localhost, as on a LAN', async () => {
    const page = await visit(app, { host: REMOTE_HOST });
    // Only the page's scripts fill the task list's status line.
    await page.getByText(/tasks? on page 1/).waitFor({ timeout: 10_000 });
  });

  it('parses server-sent events however the stream is cut into chunks (the page’s own parser, in the browser)', async () => {
    const page = await visit();
    const stream =
      ': keep-alive\r\nevent: task\r\ndata: {"id":"1"}\r\n\r\nevent: counts\ndata: {"queued":1,\ndata: "running":0}\n\n: c\rdata: plain\r\r';
    const parsed = await page.evaluate(async (text) => {
      const parserModule = '/dashboard/assets/sse-parser.js';
      const { createSseParser } = (await import(parserModule)) as {
        createSseParser: (onEvent: (event: object) => void) => { push(chunk: string): void };
      };
      const results: string[] = [];
      for (let cut = 0; cut <= text.length; cut += 1) {
        for (let second = cut; second <= text.length; second += 7) {
          const events: object[] = [];
          const parser = createSseParser((event) => events.push(event));
          parser.push(text.slice(0, cut));
          parser.push(text.slice(cut, second));
          parser.push(text.slice(second));
          results.push(JSON.stringify(events));
        }
      }
      return [...new Set(results)];
    }, stream);
    expect(parsed.map((events) => JSON.parse(events) as unknown)).toEqual([
      [
        { event: 'task', data: '{"id":"1"}' },
        { event: 'counts', data: '{"queued":1,\n"running":0}' },
        { event: 'message', data: 'plain' },
      ],
    ]);
  });

  it('submits a task through the form; it appears, then turns running and succeeded without a reload', async () => {
    const page = await visit();
    await page.evaluate('window.sameDocument = true');
    const form = page.getByRole('form', { name: 'Submit a task' });
    await form.getByLabel('Type').selectOption('sleep');
    await form.getByLabel('Payload (JSON)').fill('{"ms": 4000}');
    await form.getByRole('button', { name: 'Submit task' }).click();

    const confirmation = page.getByText(/Task \d+ \(sleep\) submitted\./);
    await confirmation.waitFor();
    const id = /Task (\d+)/.exec((await confirmation.textContent()) ?? '')?.[1] ?? '';
    expect(id).toMatch(/^\d+$/);
    await page.locator(`tr[data-task-id="${id}"]`).waitFor();
    await waitForRowStatus(page, id, 'running');
    await waitForRowStatus(page, id, 'succeeded');
    expect(await rowStatus(page, id)).toBe('✓ succeeded');
    expect(await page.locator(`tr[data-task-id="${id}"] td[data-cell="attempt"]`).textContent()).toBe('1/3');
    expect(await page.evaluate('window.sameDocument')).toBe(true);

    // The detail shows what the list leaves out: payload and result.
    await page.getByRole('button', { name: `Show task ${id}` }).click();
    const detail = page.getByRole('dialog', { name: `Task ${id}` });
    await detail.getByText('"slept": 4000').waitFor();
    await detail.getByText('"ms": 4000').waitFor();
    await detail
      .getByRole('listitem')
      .getByText(/^Attempt 1: ✓ succeeded on \S+, started /)
      .waitFor();
    await detail.getByRole('button', { name: 'Close' }).click();
    await detail.waitFor({ state: 'hidden' });
  });

  it('refuses a payload that is not JSON with a message beside the field, and sends nothing', async () => {
    const page = await visit();
    const before = (await app.http.get('/tasks').expect(200)).body.tasks.length as number;
    const posts: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request);
    });
    await page.getByLabel('Payload (JSON)').fill('{"ms": 10,');
    await page.getByRole('button', { name: 'Submit task' }).click();

    const message = page.getByText(/The payload is not valid JSON/);
    await message.waitFor();
    expect(await page.getByLabel('Payload (JSON)').getAttribute('aria-invalid')).toBe('true');
    // Focus goes back to the field that needs fixing.
    expect(await page.evaluate('document.activeElement.id')).toBe('submit-payload');
    expect(posts).toEqual([]);
    expect((await app.http.get('/tasks').expect(200)).body.tasks.length).toBe(before);
  });

  it('stops a running task after a confirmation: `cancelling…` until it is cancelled', async () => {
    // The stubborn handler ignores its signal, so the task stays running (stop requested) for 2 s.
    const id = await submit({ type: 'stubborn' });
    await app.waitForStatus(id, 'running');
    const page = await visit();
    await waitForRowStatus(page, id, 'running');

    await stopButton(page, id).click();
    const confirm = page.getByRole('dialog', { name: 'Stop this task?' });
    await confirm.getByText(`Stop task ${id} (stubborn, running)?`).waitFor();
    await confirm.getByRole('button', { name: 'Stop task' }).click();

    await page.getByRole('button', { name: `Task ${id} is cancelling` }).waitFor();
    expect(await stopButton(page, id).textContent()).toBe('cancelling…');
    await waitForRowStatus(page, id, 'cancelled');
    expect(await rowStatus(page, id)).toBe('⊘ cancelled');
    expect(await stopButton(page, id).isVisible()).toBe(false);
    expect((await app.task(id)).status).toBe('cancelled');
  });

  it('keeps a task running when the confirmation is declined', async () => {
    const id = await startLongSleep();
    const page = await visit();
    await waitForRowStatus(page, id, 'running');
    await stopButton(page, id).click();
    await page.getByRole('dialog', { name: 'Stop this task?' }).getByRole('button', { name: 'Keep it' }).click();
    expect(await stopButton(page, id).textContent()).toBe('Stop');
    expect((await app.task(id)).status).toBe('running');
    await app.http.delete(`/tasks/${id}`).expect(200);
  });

  it('can be driven from the keyboard: Tab to Stop, Enter, confirm with Space', async () => {
    const id = await startLongSleep();
    const page = await visit();
    await waitForRowStatus(page, id, 'running');

    const label = `Stop task ${id}`;
    await waitFor(`Tab to reach "${label}"`, async () => {
      await page.keyboard.press('Tab');
      return (await page.evaluate('document.activeElement?.getAttribute("aria-label")')) === label;
    });
    await page.keyboard.press('Enter');
    // The safe choice has the focus; Shift+Tab reaches the stop.
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Keep it');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Stop task');
    await page.keyboard.press('Space');

    await waitForRowStatus(page, id, 'cancelled');
    expect((await app.task(id)).status).toBe('cancelled');
  });

  it('shows a task stopped through the API of another replica, live through the event stream', async () => {
    const other = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    try {
      const id = await startLongSleep();
      const page = await visit();
      await page.getByText('Live', { exact: true }).waitFor();
      await waitForRowStatus(page, id, 'running');
      await other.http.delete(`/tasks/${id}?wait=5000`).expect(200);
      await waitForRowStatus(page, id, 'cancelled', 5_000);
    } finally {
      await other.close();
    }
  });

  it('falls back to polling when the event stream is unavailable, still shows changes from another replica, and reconnects', async () => {
    const other = await startTestApp(database.url, { WORKER_ENABLED: 'false' });
    let streamBlocked = true;
    try {
      const id = await startLongSleep();
      const page = await visit(app, {
        prepare: (context) =>
          context.route('**/tasks/events', (route) =>
            streamBlocked ? route.fulfill({ status: 503, body: 'down for the test' }) : route.continue(),
          ),
      });
      await page.getByText(/Updating every 3 s \(the live stream is unavailable \(HTTP 503\)\)/).waitFor();
      await waitForRowStatus(page, id, 'running');
      await other.http.delete(`/tasks/${id}?wait=5000`).expect(200);
      // Within two polls.
      await waitForRowStatus(page, id, 'cancelled', 7_000);

      streamBlocked = false;
      await page.getByText('Live', { exact: true }).waitFor({ timeout: 20_000 });
    } finally {
      await other.close();
    }
  });

  it('filters by status and type, pages like the API, and drops a row that stops matching', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const batch = await app.http
      .post('/tasks/batch')
      .send({ tasks: Array.from({ length: 55 }, (_, n) => ({ type: 'fail', payload: { n }, runAt: inAnHour })) })
      .expect(201);
    const ids = (batch.body.tasks as { id: string }[]).map((task) => task.id).reverse(); // newest first
    const page = await visit();
    const filters = page.getByRole('form', { name: 'Filter tasks' });
    await filters.getByLabel('Status').selectOption('queued');
    await filters.getByLabel('Type').selectOption('fail');
    const shownIds = async () =>
      Promise.all((await page.locator('tbody tr[data-task-id]').all()).map((row) => row.getAttribute('data-task-id')));

    await page.getByText('50 tasks on page 1, newest first, updated live.').waitFor();
    expect(await shownIds()).toEqual(ids.slice(0, 50));
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('5 tasks on page 2, newest first.').waitFor();
    expect(await shownIds()).toEqual(ids.slice(50));
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.getByText('50 tasks on page 1, newest first, updated live.').waitFor();

    // Cancelled elsewhere, the newest no longer matches "queued": it leaves the list.
    await app.http.delete(`/tasks/${ids[0]}`).expect(200);
    await page.locator(`tr[data-task-id="${ids[0]}"]`).waitFor({ state: 'detached' });
    await Promise.all(ids.map((id) => app.http.delete(`/tasks/${id}`)));
  });

  it('retries a failed task from its row: queued, then succeeded, with the failed attempt kept in its detail', async () => {
    // In a queue of its own, paused once the task failed: retried, it stays queued until the queue resumes.
    const queue = 'dash-retry';
    const id = await submit({ type: 'flaky', payload: {}, maxAttempts: 1, queue });
    await app.waitForStatus(id, 'failed');
    await app.http.post(`/queues/${queue}/pause`).expect(200);
    const page = await visit();
    await waitForRowStatus(page, id, 'failed');
    expect(await stopButton(page, id).isVisible()).toBe(false);

    await page.getByRole('button', { name: `Retry task ${id}` }).click();
    await waitForRowStatus(page, id, 'queued');
    await page.getByText(`Task ${id} (flaky) is queued again.`).waitFor();
    expect((await app.task(id)).status).toBe('queued');
    await app.http.post(`/queues/${queue}/resume`).expect(200);
    await waitForRowStatus(page, id, 'succeeded');
    expect((await app.task(id)).status).toBe('succeeded');
    // The Retry button left with the failed status; the focus is on the row's id, not lost.
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toBe(`Show task ${id}`);
    expect(await page.getByRole('button', { name: `Retry task ${id}` }).isVisible()).toBe(false);

    await page.getByRole('button', { name: `Show task ${id}` }).click();
    const detail = page.getByRole('dialog', { name: `Task ${id}` });
    const attempts = detail.locator('ol.attempts > li');
    await detail.getByText('"recovered": true').waitFor();
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toMatch(
      /^Attempt 1: ✗ failed on \S+, started .*: flaky on its first run$/,
    );
    expect(await attempts.nth(1).textContent()).toMatch(/^↻ Retried\. Attempt 1: ✓ succeeded on \S+, started /);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
  });

  it('retries a cancelled task from its detail, and shows a refused retry with the service’s message', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const id = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: inAnHour });
    await app.http.delete(`/tasks/${id}`).expect(200);
    // A cancelled task whose key a live task now holds: its retry is refused (409).
    const key = `dash-retry-${Date.now()}`;
    const refused = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: inAnHour, key });
    await app.http.delete(`/tasks/${refused}`).expect(200);
    const holder = await submit({ type: 'sleep', payload: { ms: 2 }, runAt: inAnHour, key });
    const page = await visit();
    await waitForRowStatus(page, id, 'cancelled');

    await page.getByRole('button', { name: `Show task ${id}` }).click();
    const detail = page.getByRole('dialog', { name: `Task ${id}` });
    await detail.getByRole('button', { name: `Retry task ${id}` }).click();
    await detail.getByText(`Task ${id} is queued again; its earlier attempts stay below.`).waitFor();
    // Retried, it runs now: the open detail follows it to the end.
    await detail.getByText('"slept": 1').waitFor();
    expect(await detail.getByRole('button', { name: `Retry task ${id}` }).isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Close');
    await detail.getByRole('button', { name: 'Close' }).click();

    await waitForRowStatus(page, refused, 'cancelled');
    await page.getByRole('button', { name: `Retry task ${refused}` }).click();
    await page
      .getByRole('alert')
      .getByText(
        `Could not retry task ${refused}: task ${refused} cannot be retried: a live task holds its idempotency key "${key}"`,
      )
      .waitFor();
    await waitForRowStatus(page, refused, 'cancelled');
    expect(await page.getByRole('button', { name: `Retry task ${refused}` }).textContent()).toBe('Retry');
    await app.http.delete(`/tasks/${holder}`).expect(200);
  });

  it('pauses a queue from the Queues panel: its new task stays queued while a later one elsewhere runs, until resumed', async () => {
    const queue = 'dash-paused';
    await app.waitForStatus(await submit({ type: 'sleep', payload: { ms: 1 }, queue }), 'succeeded');
    const page = await visit();
    const card = page.getByRole('region', { name: 'Queues' }).locator(`li[data-queue="${queue}"]`);
    await card.getByText('▶ active').waitFor();
    await card.getByRole('button', { name: `Pause queue ${queue}` }).click();
    await card.getByText('‖ paused').waitFor();
    expect((await queueOf(queue))?.paused).toBe(true);

    const id = await submitThroughForm(page, { type: 'sleep', payload: '{"ms": 1}', queue });
    expect(await page.locator(`tr[data-task-id="${id}"] td[data-cell="queue"]`).textContent()).toBe(queue);
    const later = await submit({ type: 'sleep', payload: { ms: 1 } });
    await app.waitForStatus(later, 'succeeded');
    expect((await app.task(id)).status).toBe('queued');
    expect(await rowStatus(page, id)).toBe('◷ queued');
    // The panel reads the counts again after the change (at most every 5 s).
    await card.getByText('1 queued').waitFor({ timeout: 10_000 });

    await card.getByRole('button', { name: `Resume queue ${queue}` }).click();
    await card.getByText('▶ active').waitFor();
    expect((await queueOf(queue))?.paused).toBe(false);
    await waitForRowStatus(page, id, 'succeeded');
  });

  it('shows why a queued task waits: a column in the list, and the reason with its message in the detail', async () => {
    const queue = 'dash-waiting';
    await app.http.post(`/queues/${queue}/pause`).expect(200);
    const id = await submit({ type: 'sleep', payload: { ms: 1 }, queue });
    const page = await visit();
    const reason = page.locator(`tr[data-task-id="${id}"] td[data-cell="waiting"] .waiting-reason`);
    await reason.getByText('queue-paused').waitFor();
    expect(await reason.getAttribute('title')).toBe(`queue ${queue} is paused`);

    await page.getByRole('button', { name: `Show task ${id}` }).click();
    const detail = page.getByRole('dialog', { name: `Task ${id}` });
    await detail.getByText(`queue-paused: queue ${queue} is paused`).waitFor();
    await detail.getByRole('button', { name: 'Close' }).click();
    // Its queue's card counts the queued tasks per reason.
    const card = page.getByRole('region', { name: 'Queues' }).locator(`li[data-queue="${queue}"]`);
    await card.getByText('Waiting: 1 queue-paused').waitFor();

    await app.http.post(`/queues/${queue}/resume`).expect(200);
    await waitForRowStatus(page, id, 'succeeded');
    expect(await reason.isVisible()).toBe(false);
  });

  it('sets a queue’s concurrency limit from its card', async () => {
    const queue = 'dash-limited';
    await app.waitForStatus(await submit({ type: 'sleep', payload: { ms: 1 }, queue }), 'succeeded');
    const page = await visit();
    const card = page.getByRole('region', { name: 'Queues' }).locator(`li[data-queue="${queue}"]`);
    await card.getByText('Limit: none').waitFor();
    await card.getByText('Change limit').click();
    await card.getByLabel(/Running at once/).fill('2');
    await card.getByRole('button', { name: 'Set limit' }).click();
    await card.getByText('Limit: at most 2 running at once').waitFor();
    expect(
      (
        (await app.http.get('/queues').expect(200)).body as { queues: { name: string; concurrency: number | null }[] }
      ).queues.find((q) => q.name === queue)?.concurrency,
    ).toBe(2);
    await card.getByLabel(/Running at once/).fill('0');
    await card.getByRole('button', { name: 'Set limit' }).click();
    await page.getByText(`The limit of queue ${queue} must be a whole number from 1 to 10000`).waitFor();
    await card.getByLabel(/Running at once/).fill('');
    await card.getByRole('button', { name: 'Set limit' }).click();
    await card.getByText('Limit: none').waitFor();
  });

  it('shows the Workers panel: each replica live with its slots, types and queues, then gone and greyed once it stops', async () => {
    const other = await startTestApp(database.url, {
      REPLICA_ID: 'dash-worker',
      WORKER_CONCURRENCY: '2',
      WORKER_QUEUES: 'dash-w:1,default',
    });
    const page = await visit();
    const panel = page.getByRole('region', { name: 'Workers' });
    const own = panel.locator(`li[data-worker="${app.config.replicaId}"]`);
    await own.getByText('● live').waitFor();
    expect(await own.getByText(/^\d+ of 8 in use$/).count()).toBe(1);
    expect(await own.getByText(/flaky/).textContent()).toContain('sleep');
    expect(await own.getByText(/ ago$/).count()).toBe(1);

    const card = panel.locator('li[data-worker="dash-worker"]');
    // It registers as its worker starts: the panel reads again at least every 5 s.
    await card.getByText('● live').waitFor({ timeout: 10_000 });
    await card.getByText('0 of 2 in use').waitFor();
    await card.getByText('dash-w (at most 1 here), default').waitFor();
    expect(await card.getAttribute('class')).not.toMatch(/\bgone\b/);

    // Stopped, it turns gone without a reload, greyed, after the live replicas.
    await other.close();
    await card.getByText('○ gone').waitFor({ timeout: 10_000 });
    expect(await card.getAttribute('class')).toMatch(/\bgone\b/);
    expect(
      await page.evaluate(`getComputedStyle(document.querySelector('li[data-worker="dash-worker"]')).borderStyle`),
    ).toBe('dashed');
    const states = await panel.locator('li[data-worker] .state').allTextContents();
    expect(states).toEqual([...states].sort((a, b) => Number(a === '○ gone') - Number(b === '○ gone')));
    await panel.getByText(/\d+ live, \d+ gone in the last hour/).waitFor();
  });

  it('submits a task with a concurrency key, and shows a queue’s per-key and rate limits on its card', async () => {
    const queue = 'dash-flow';
    await app.http
      .put(`/queues/${queue}`)
      .send({ keyConcurrency: 3, rateLimit: { limit: 20, intervalMs: 1000, perKey: true } })
      .expect(200);
    const page = await visit();
    const form = page.getByRole('form', { name: 'Submit a task' });
    await form.getByLabel('Type').selectOption('sleep');
    await form.getByLabel('Payload (JSON)').fill('{"ms": 1}');
    await form.getByLabel('Queue (optional)').fill(queue);
    await form.getByLabel('Concurrency key (if any)').fill('tenant-7');
    await form.getByRole('button', { name: 'Submit task' }).click();
    const confirmation = page.getByText(/Task \d+ \(sleep\) submitted\./);
    await confirmation.waitFor();
    const id = /Task (\d+)/.exec((await confirmation.textContent()) ?? '')?.[1] ?? '';
    expect((await app.task(id)).concurrencyKey).toBe('tenant-7');

    const card = page.getByRole('region', { name: 'Queues' }).locator(`li[data-queue="${queue}"]`);
    await card.getByText('Per concurrency key: at most 3 running at once.').waitFor();
    await card.getByText('Rate: at most 20 starts per 1000 ms per key.').waitFor();
  });

  it('filters the list by queue, from the queues the service knows', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const a = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'dash-a', runAt: inAnHour });
    const b = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'dash-b', runAt: inAnHour });
    const page = await visit();
    await page.locator(`tr[data-task-id="${b}"]`).waitFor();
    expect(await page.locator(`tr[data-task-id="${a}"] td[data-cell="queue"]`).textContent()).toBe('dash-a');

    await page
      .getByRole('form', { name: 'Filter tasks' })
      .getByLabel(/^Queue/)
      .selectOption('dash-a');
    await page.locator(`tr[data-task-id="${b}"]`).waitFor({ state: 'detached' });
    await page.locator(`tr[data-task-id="${a}"]`).waitFor();
    const queues = await page.locator('tbody td[data-cell="queue"]').allTextContents();
    expect(new Set(queues)).toEqual(new Set(['dash-a']));
    // A new task of that queue appears live; one of another queue does not.
    const other = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'dash-b', runAt: inAnHour });
    const c = await submit({ type: 'sleep', payload: { ms: 1 }, queue: 'dash-a', runAt: inAnHour });
    await page.locator(`tr[data-task-id="${c}"]`).waitFor();
    expect(await page.locator(`tr[data-task-id="${other}"]`).count()).toBe(0);
    await Promise.all([a, b, c, other].map((id) => app.http.delete(`/tasks/${id}`).expect(200)));
  });

  it('submits with a key: the same submission again says it returned the existing task; another body is refused', async () => {
    const page = await visit();
    const form = page.getByRole('form', { name: 'Submit a task' });
    const key = `dash-key-${Date.now()}`;
    const id = await submitThroughForm(page, { type: 'sleep', payload: '{"ms": 60000}', key });
    await form.getByRole('button', { name: 'Submit task' }).click();
    await form.getByText(`Nothing new was submitted: the existing task ${id} (sleep, `).waitFor();
    expect(
      ((await app.http.get('/tasks?type=sleep&limit=500').expect(200)).body.tasks as { key: string | null }[]).filter(
        (task) => task.key === key,
      ),
    ).toHaveLength(1);

    await form.getByLabel('Payload (JSON)').fill('{"ms": 59000}');
    await form.getByRole('button', { name: 'Submit task' }).click();
    await form
      .getByText(`The service refused the task: idempotency key "${key}" is already used by task ${id}`)
      .waitFor();
    expect(await form.getByLabel('Key (optional)').getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: `Show task ${id}` }).click();
    const detail = page.getByRole('dialog', { name: `Task ${id}` });
    await detail.getByText(key, { exact: true }).waitFor();
    await detail.getByRole('button', { name: 'Close' }).click();
    await app.http.delete(`/tasks/${id}`).expect(200);
  });

  it('lists schedules in the Schedules panel and pauses and resumes one', async () => {
    const name = 'dash-nightly';
    await app.http
      .post('/schedules')
      .send({
        name,
        cron: '0 3 * * *',
        timezone: 'Europe/Paris',
        task: { type: 'sleep', payload: { ms: 1 }, queue: 'reports' },
      })
      .expect(201);
    try {
      const page = await visit();
      const card = page.getByRole('region', { name: 'Schedules' }).locator(`li[data-schedule="${name}"]`);
      await card.getByText('▶ active').waitFor();
      await card.getByText('0 3 * * *', { exact: true }).waitFor();
      await card.getByText('(Europe/Paris)').waitFor();
      await card.getByText('sleep in queue reports').waitFor();
      await card.getByText('over the API').waitFor();

      await card.getByRole('button', { name: `Pause schedule ${name}` }).click();
      await card.getByText('‖ paused').waitFor();
      await card.getByText('none while paused').waitFor();
      const paused = (await app.http.get(`/schedules/${name}`).expect(200)).body as {
        paused: boolean;
        nextRunAt: string | null;
      };
      expect(paused).toMatchObject({ paused: true, nextRunAt: null });

      await card.getByRole('button', { name: `Resume schedule ${name}` }).click();
      await card.getByText('▶ active').waitFor();
      expect(((await app.http.get(`/schedules/${name}`).expect(200)).body as { paused: boolean }).paused).toBe(false);
    } finally {
      await app.http.delete(`/schedules/${name}`).expect(200);
    }
  });

  it('works 375 px wide: no sideways scrolling, every row readable and its Stop button in reach', async () => {
    const id = await startLongSleep();
    const page = await visit(app, { viewport: { width: 375, height: 740 } });
    await waitForRowStatus(page, id, 'running');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

    const row = page.locator(`tr[data-task-id="${id}"]`);
    const box = await row.boundingBox();
    expect(box?.width).toBeLessThanOrEqual(375);
    // Each cell carries its column's name, as the table header is hidden at this width.
    expect(await row.locator('td[data-cell="status"]').getAttribute('data-label')).toBe('Status');
    const stop = await stopButton(page, id).boundingBox();
    expect(stop && stop.x >= 0 && stop.x + stop.width <= 375).toBe(true);
    await page.getByLabel('Payload (JSON)').scrollIntoViewIfNeeded();
    expect(await page.getByLabel('Payload (JSON)').isVisible()).toBe(true);
    // The panels' cards fit too, their buttons within reach.
    const pause = page.getByRole('button', { name: 'Pause queue default' });
    await pause.scrollIntoViewIfNeeded();
    const pauseBox = await pause.boundingBox();
    expect(pauseBox && pauseBox.x >= 0 && pauseBox.x + pauseBox.width <= 375).toBe(true);
    const queueCard = await page.locator('li[data-queue="default"]').boundingBox();
    expect(queueCard && queueCard.x + queueCard.width <= 375).toBe(true);

    // A 1280 px screen at 200% zoom lays the page out in 640 CSS pixels: the same cards, no sideways scrolling.
    await page.setViewportSize({ width: 640, height: 400 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(640);
    expect(await page.evaluate('getComputedStyle(document.querySelector("tbody tr")).display')).toBe('block');
    await app.http.delete(`/tasks/${id}`).expect(200);
  });

  it('asks for the API key when the service needs one, keeps it in this tab only, and sends it', async () => {
    const secured = await startTestApp(database.url, { WORKER_ENABLED: 'false', API_KEYS: 'dashboard-test-key' });
    try {
      const id = (
        (await secured.http.post('/tasks').set('Authorization', 'Bearer dashboard-test-key').send({}).expect(201))
          .body as { id: string }
      ).id;
      const page = await visit(secured);
      const ask = page.getByRole('dialog', { name: 'API key needed' });
      await ask.waitFor();
      await ask.getByLabel('API key').fill('wrong-key');
      await ask.getByRole('button', { name: 'Use this key' }).click();
      await ask.getByText('the API key is not valid').waitFor();

      await ask.getByLabel('API key').fill('dashboard-test-key');
      await ask.getByRole('button', { name: 'Use this key' }).click();
      await ask.waitFor({ state: 'hidden' });
      await page.locator(`tr[data-task-id="${id}"]`).waitFor();
      expect(await page.evaluate('sessionStorage.getItem("tasksystem.apiKey")')).toBe('dashboard-test-key');
      expect(await page.evaluate('localStorage.length')).toBe(0);
      expect(await page.context().cookies()).toEqual([]);
    } finally {
      await secured.close();
    }
  });

  it('keeps every open page’s counts equal to GET /tasks/counts after each kind of change', async () => {
    // A database of its own, so no task of another test finishes while the counts are compared; one
    // slot, so a second task waits queued behind the first.
    const own = await createTestDatabase();
    const replica = await startTestApp(own.url, { WORKER_CONCURRENCY: '1', SHUTDOWN_GRACE_MS: '200' });
    try {
      const pages = [await visit(replica), await visit(replica)];
      for (const page of pages) await page.getByText('Live', { exact: true }).waitFor();
      const shownCounts = async (page: Page): Promise<Record<string, number>> => {
        const statuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
        const cells = await Promise.all(statuses.map((s) => page.locator(`[data-count="${s}"]`).textContent()));
        return Object.fromEntries(statuses.map((status, i) => [status, Number(cells[i]?.replace(/\D/g, '') ?? NaN)]));
      };
      /**
       * Reads the counts the way an operator's script would (a read the service once let stand in for the
       * streams' update), then expects both pages to show them. The hub sends them within ~0.7 s of a
       * change; 2 s leaves room for a loaded machine, and the stale cards this guards against never caught
       * up without a later change.
       */
      const expectPagesToMatchService = async (change: string): Promise<void> => {
        const expected = (await replica.http.get('/tasks/counts').expect(200)).body as Record<string, number>;
        for (const [n, page] of pages.entries()) {
          await waitFor(
            `page ${n + 1}'s cards to show ${JSON.stringify(expected)} after ${change}`,
            async () => {
              const shown = await shownCounts(page);
              if (JSON.stringify(shown) !== JSON.stringify(expected)) throw new Error(`shown ${JSON.stringify(shown)}`);
              return true;
            },
            { timeoutMs: 2000 },
          );
        }
      };

      const running = await submit({ type: 'sleep', payload: { ms: 60_000 } }, replica);
      await replica.waitForStatus(running, 'running');
      await expectPagesToMatchService('a submit that started');

      const queued = await submit({ type: 'sleep', payload: { ms: 60_000 } }, replica);
      await expectPagesToMatchService('a submit that waits queued');

      await replica.http.delete(`/tasks/${queued}`).expect(200);
      await replica.waitForStatus(queued, 'cancelled');
      await expectPagesToMatchService('a stop of a queued task');

      await replica.http.delete(`/tasks/${running}`).expect(200);
      await replica.waitForStatus(running, 'cancelled');
      await expectPagesToMatchService('a stop of a running task');

      await replica.waitForStatus(await submit({ type: 'sleep', payload: { ms: 1 } }, replica), 'succeeded');
      await expectPagesToMatchService('a task that finished');
    } finally {
      await replica.close();
      await own.drop();
    }
  });

  it('shows counts and throughput from the stream, and takes the picture of the dashboard with tasks in every state', async () => {
    // A database of its own, so the counts and the picture hold only these tasks.
    const own = await createTestDatabase();
    const replica = await startTestApp(own.url, { WORKER_CONCURRENCY: '8', SHUTDOWN_GRACE_MS: '200' });
    try {
      await replica.http
        .post('/schedules')
        .send({
          name: 'nightly-report',
          cron: '0 3 * * *',
          timezone: 'Europe/Paris',
          task: { type: 'demo', payload: { report: 'daily' }, queue: 'reports' },
        })
        .expect(201);
      await replica.http.put('/queues/reports').send({ concurrency: 2 }).expect(200);
      const page = await visit(replica, { viewport: { width: 1280, height: 800 } });
      // Connected before anything finishes, so the chart sees it all.
      await page.getByText('Live', { exact: true }).waitFor();
      const inAMinute = new Date(Date.now() + 60_000).toISOString();
      // Finishing over three seconds, so the chart has several bars.
      const succeeded = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) =>
          submit({ type: 'sleep', payload: { ms: 500 * n }, queue: n % 2 ? 'default' : 'reports' }, replica),
        ),
      );
      const failed = await submit(
        { type: 'fail', payload: { times: 5, message: 'the printer is on fire' }, maxAttempts: 1 },
        replica,
      );
      const cancelled = await submit({ type: 'sleep', payload: { ms: 1 }, runAt: inAMinute }, replica);
      await replica.http.delete(`/tasks/${cancelled}`).expect(200);
      const running = await submit({ type: 'sleep', payload: { ms: 60_000 } }, replica);
      const queued = await submit({ type: 'demo', payload: { name: 'Jean', number: '42' }, runAt: inAMinute }, replica);
      for (const [id, status] of [
        [queued, 'queued'],
        [running, 'running'],
        [failed, 'failed'],
        [cancelled, 'cancelled'],
        ...succeeded.map((id) => [id, 'succeeded']),
      ]) {
        await waitForRowStatus(page, id, status);
      }

      const expected = { queued: '1', running: '1', succeeded: '6', failed: '1', cancelled: '1' };
      await waitFor('the counts to match the tasks', async () => {
        const shown = Object.fromEntries(
          await Promise.all(
            Object.keys(expected).map(async (status) => [
              status,
              await page.locator(`[data-count="${status}"]`).textContent(),
            ]),
          ),
        );
        // Thrown, so that a timeout names what the page showed.
        if (JSON.stringify(shown) !== JSON.stringify(expected)) throw new Error(`shown ${JSON.stringify(shown)}`);
        return true;
      });
      await page
        .getByText(/^Last 2 minutes: 6 succeeded, 1 failed, 1 cancelled; at most \d+ in one second\.$/)
        .waitFor();

      // The Queues panel reads the counts again after the changes (at most every 5 s).
      await page.locator('li[data-queue="reports"]').getByText('3 succeeded').waitFor({ timeout: 10_000 });
      await page.locator('li[data-queue="default"]').getByText('1 running').waitFor({ timeout: 10_000 });
      await page.locator('li[data-queue="default"]').getByText('1 queued').waitFor({ timeout: 10_000 });
      await page.locator('li[data-schedule="nightly-report"]').waitFor();

      // Into an ignored folder: a test run must not change tracked files. `npm run docs:screenshot` copies
      // it over docs/dashboard.png when the docs' picture is to be refreshed.
      mkdirSync('.artifacts', { recursive: true });
      await page.screenshot({ path: '.artifacts/dashboard.png', fullPage: true });
    } finally {
      await replica.close();
      await own.drop();
    }
  });
});
