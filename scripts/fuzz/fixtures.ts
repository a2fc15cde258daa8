import fc from 'fast-check';
import type { Answer } from './http.js';
import { jsonOf, send } from './http.js';
import { VALID_AUTHORIZATION } from './request.js';
import type { Hints } from './schema-arbitrary.js';
import type { Service } from './service.js';

/**
 * What the sweep's requests point at: a few tasks in each state and one schedule, made before the sweep in
 * a fresh database, so that their ids are the same at every run and a seed replays the same requests.
 * After each request, `tidy` undoes what an accepted write did, so that accepted tasks do not pile up, no
 * schedule fires into a later request's row counts, and no queue stays paused.
 */
export const FIXTURE_SCHEDULE = 'fuzz-fixture';

const FIXTURE_SCHEDULE_BODY = {
  name: FIXTURE_SCHEDULE,
  cron: '0 0 1 1 *',
  task: { type: 'sleep', payload: { ms: 1 } },
  paused: true,
};

export class Fixtures {
  private constructor(
    private readonly service: Service,
    /** Tasks that will be succeeded, queued (due in 2100), failed and cancelled. */
    readonly taskIds: string[],
  ) {}

  static async create(service: Service): Promise<Fixtures> {
    const call = (method: string, url: string, body?: unknown): Promise<Answer> =>
      api(service, method, url, body).then((answer) => {
        if (answer.status >= 300) throw new Error(`fixture ${method} ${url}: ${answer.status} ${answer.text}`);
        return answer;
      });
    const idOf = (answer: Answer): string => (jsonOf(answer) as { id: string }).id;
    const succeeded = idOf(await call('POST', '/tasks?wait=10000', { type: 'sleep', payload: { ms: 1 } }));
    const queued = idOf(
      await call('POST', '/tasks', { type: 'sleep', payload: { ms: 1 }, runAt: '2100-01-01T00:00:00Z' }),
    );
    const failed = idOf(
      await call('POST', '/tasks?wait=10000', { type: 'fail', payload: { times: 1 }, maxAttempts: 1 }),
    );
    const cancelled = idOf(
      await call('POST', '/tasks', { type: 'sleep', payload: { ms: 1 }, runAt: '2100-01-01T00:00:00Z' }),
    );
    await call('DELETE', `/tasks/${cancelled}`);
    await call('POST', '/schedules', FIXTURE_SCHEDULE_BODY);
    return new Fixtures(service, [succeeded, queued, failed, cancelled]);
  }

  /**
   * Values that mean something to the service, for the names the document uses (schema-arbitrary.ts):
   * the task types that run briefly, the fixtures, short waits (a valid `wait` may be a minute long).
   */
  hints(): Hints {
    const names = fc.constantFrom(FIXTURE_SCHEDULE, 'default', 'reports', 'fuzz-new');
    return {
      type: fc.constantFrom('demo', 'sleep'),
      payload: fc.constantFrom<unknown>({ ms: 1 }, { ms: 50 }, {}, { name: 'Jean', number: '42' }, null),
      wait: { only: fc.integer({ min: 0, max: 50 }) },
      id: fc.constantFrom(...this.taskIds),
      cursor: fc.constantFrom(...this.taskIds),
      name: names,
      queue: fc.constantFrom('default', 'reports'),
      cron: fc.constantFrom('0 0 1 1 *', '*/15 * * * *', '0 9 * * 1-5', '0 0 29 2 *'),
      timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
      key: fc.constantFrom('fuzz-key-1', 'fuzz-key-2'),
      'Idempotency-Key': fc.constantFrom('fuzz-key-1', 'fuzz-key-2'),
      concurrency: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    };
  }

  /** Undoes what an accepted write left: stops its tasks, deletes its schedule, resumes and frees its queue. */
  async tidy(method: string, answer: Answer): Promise<void> {
    if (method === 'GET' || answer.status < 200 || answer.status >= 300) return;
    const body = jsonOf(answer) as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null) return;
    const tasks = Array.isArray(body.tasks) ? (body.tasks as { id?: unknown }[]) : [body];
    for (const task of tasks) {
      if (typeof task.id === 'string' && 'status' in task && !this.taskIds.includes(task.id)) {
        await api(this.service, 'DELETE', `/tasks/${task.id}?wait=0`);
      }
    }
    if (typeof body.name === 'string' && 'cron' in body) {
      await api(this.service, 'DELETE', `/schedules/${encodeURIComponent(body.name)}`);
      if (body.name === FIXTURE_SCHEDULE) await api(this.service, 'POST', '/schedules', FIXTURE_SCHEDULE_BODY);
    } else if (typeof body.name === 'string' && 'concurrency' in body) {
      const queue = `/queues/${encodeURIComponent(body.name)}`;
      await api(this.service, 'POST', `${queue}/resume`);
      await api(this.service, 'PUT', queue, { concurrency: null });
    }
  }
}

function api(service: Service, method: string, url: string, body?: unknown): Promise<Answer> {
  const headers: [string, string][] = [['Authorization', VALID_AUTHORIZATION]];
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  return send(
    service.baseUrl,
    method,
    url,
    headers,
    body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
  );
}
