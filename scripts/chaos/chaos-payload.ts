/** The chaos task type: what the submitter asks for (traffic.ts) and the handler acts out (chaos-handler.ts). */
export const CHAOS_TASK_TYPE = 'chaos';

/**
 * short: a few ms of work. long: 1-5 s. fail: throws on its first `failTimes` attempts. stop: long enough
 * that the DELETE the submitter sends finds it queued or running. Every kind honours its AbortSignal.
 */
export const CHAOS_KINDS = ['short', 'long', 'fail', 'stop'] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

export interface ChaosPayload {
  /** The submitter's sequence number: finds the task of a POST whose answer never came. */
  n: number;
  kind: ChaosKind;
  /** How long one attempt works. */
  ms: number;
  /** `fail` only: attempts 1..failTimes throw. */
  failTimes?: number;
}

/** Refuses a malformed payload at submission (400), so a submitter bug shows at once. */
export function payloadProblems(payload: unknown): string[] {
  const p = payload as Partial<ChaosPayload> | null;
  const problems: string[] = [];
  if (typeof p !== 'object' || p === null) return ['payload must be an object'];
  if (!Number.isInteger(p.n)) problems.push('payload.n must be an integer');
  if (!CHAOS_KINDS.includes(p.kind as ChaosKind))
    problems.push(`payload.kind must be one of ${CHAOS_KINDS.join(', ')}`);
  if (!Number.isInteger(p.ms) || (p.ms as number) < 0) problems.push('payload.ms must be a non-negative integer');
  if (p.failTimes !== undefined && !Number.isInteger(p.failTimes))
    problems.push('payload.failTimes must be an integer');
  return problems;
}
