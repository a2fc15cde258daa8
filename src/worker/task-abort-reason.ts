/** Why an attempt's AbortSignal fired. The supervisor decides the outcome from it. */
export type TaskAbortKind = 'stop' | 'timeout' | 'shutdown' | 'lease-lost';

export class TaskAbortReason extends Error {
  override readonly name = 'TaskAbortReason';

  constructor(
    readonly kind: TaskAbortKind,
    message: string,
  ) {
    super(message);
  }
}
