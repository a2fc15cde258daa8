/**
 * The names of what our spans carry. OpenTelemetry's messaging conventions where they say it (still
 * "development" in @opentelemetry/semantic-conventions, whose README asks libraries to copy such names
 * rather than import its unstable entry point), and `tasksystem.*` for what they do not cover.
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  errorType: 'error.type',
  taskType: 'tasksystem.task.type',
  attempt: 'tasksystem.task.attempt',
  maxAttempts: 'tasksystem.task.max_attempts',
  status: 'tasksystem.task.status',
  abortKind: 'tasksystem.abort.kind',
  abortReason: 'tasksystem.abort.reason',
  retryAt: 'tasksystem.retry.at',
} as const;

/** The value of messaging.system on every span of ours. */
export const MESSAGING_SYSTEM = 'tasksystem';

/**
 * What every messaging span of ours starts with: the system and the operation, as the conventions name
 * it (`type`: send, receive, process, settle) and as we do (`name`: submit, claim, process, stop).
 */
export function messagingOperation(type: 'send' | 'receive' | 'process' | 'settle', name: string) {
  return { [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.operationType]: type, [ATTR.operationName]: name };
}

/** Span events. */
export const EVENT = {
  /** The attempt's AbortSignal fired: a stop, its timeout, the replica's shutdown, or its lease lost. */
  abort: 'tasksystem.abort',
  /** The failed attempt was written back to `queued`: another attempt comes at `tasksystem.retry.at`. */
  retry: 'tasksystem.retry',
} as const;
