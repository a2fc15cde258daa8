import fc from 'fast-check';
import type { Finding } from './checks.js';
import { check } from './checks.js';
import type { RunDatabase } from './database.js';
import type { Fixtures } from './fixtures.js';
import { send } from './http.js';
import { mutationFor } from './mutations.js';
import type { ApiDocument } from './openapi.js';
import type { FuzzRequest } from './request.js';
import { toRequest } from './request.js';
import type { Service, Target } from './service.js';
import { validDraft } from './valid-requests.js';

/** A request that broke a property, with what was wrong. */
export interface Failure {
  request: FuzzRequest;
  status: number;
  findings: Finding[];
}

export interface SweepResult {
  runs: number;
  /** fast-check's own account of a failure: the seed, the path to replay, how far it shrank. */
  failure?: { failure: Failure; seed: number; path: string; shrinks: number; interrupted: boolean };
  /** With keepGoing: the first failure of each kind on each operation. */
  failures: Failure[];
  /** How many answers of each status each operation got: the report shows what the sweep reached. */
  statuses: Map<string, Map<number, number>>;
}

class PropertyFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.findings.map((finding) => `${finding.kind}: ${finding.detail}`).join('\n'));
  }
}

/**
 * The sweep: fast-check draws a request (an operation of the document, a valid request for it, one
 * mutation), sends it, and checks the answer (checks.ts) and, for a write, the database before and after.
 * Sequential, so the row counts around a refused write are exact.
 */
export async function sweep(options: {
  document: ApiDocument;
  services: Record<Target, Service>;
  database: RunDatabase;
  fixtures: Fixtures;
  seed: number;
  runs?: number;
  durationMs: number;
  path?: string;
  keepGoing: boolean;
  onProgress: (runs: number) => void;
  /** Called with every request and its status (--trace). */
  onAnswer?: (request: FuzzRequest, status: number) => void;
}): Promise<SweepResult> {
  const { document, services, database, fixtures } = options;
  const hints = fixtures.hints();
  // Operations with more to get wrong (parameters, a body) are drawn more often.
  const operations = fc.oneof(
    ...document.operations.map((operation) => ({
      arbitrary: fc.constant(operation),
      weight: 1 + operation.parameters.length + (operation.body === undefined ? 0 : 3),
    })),
  );
  const requests = operations
    .chain((operation) => fc.tuple(validDraft(document, operation, hints), mutationFor(operation)))
    .map(([draft, mutate]) => toRequest(mutate(draft)));

  const statuses = new Map<string, Map<number, number>>();
  const failures: Failure[] = [];
  const seen = new Set<string>();
  let runs = 0;

  const property = fc.asyncProperty(requests, async (request) => {
    runs++;
    if (runs % 250 === 0) options.onProgress(runs);
    const service = services[request.target];
    const writes = request.method !== 'GET';
    const before = writes ? await database.snapshot() : undefined;
    const answer = await send(service.baseUrl, request.method, request.url, request.headers, request.body);
    const after = writes ? await database.snapshot() : undefined;
    await fixtures.tidy(request.method, answer);
    options.onAnswer?.(request, answer.status);

    const byStatus = statuses.get(request.operation.label) ?? new Map<number, number>();
    byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
    statuses.set(request.operation.label, byStatus);

    const findings = check(request, answer, before, after);
    for (const exited of Object.values(services).filter((s) => s.exitedWith)) {
      findings.push({ kind: 'no answer', detail: `the ${exited.target} service exited (${exited.exitedWith})` });
    }
    if (findings.length === 0) return;
    const failure = { request, status: answer.status, findings };
    if (!options.keepGoing) throw new PropertyFailed(failure);
    for (const finding of findings) {
      const key = `${finding.kind} ${request.operation.label}`;
      if (!seen.has(key)) failures.push({ ...failure, findings: [finding] });
      seen.add(key);
    }
  });

  const details = await fc.check(property, {
    seed: options.seed,
    path: options.path,
    numRuns: options.runs ?? 10_000_000,
    plugins: [fc.interruptAfterTimeLimit(options.durationMs)],
  });
  const result: SweepResult = { runs, failures, statuses };
  if (details.failed && details.errorInstance instanceof PropertyFailed) {
    result.failure = {
      failure: details.errorInstance.failure,
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
      interrupted: details.interrupted,
    };
  } else if (details.failed && !details.interrupted) {
    // Not a property: the fuzz itself broke (a generator, node:http refusing a header).
    throw details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
  }
  return result;
}
