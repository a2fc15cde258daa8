import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { sessionClientConfig } from '../database/connection-config.js';
import { TASKSYSTEM_DATA_SOURCE } from '../database/database.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import type { TaskStatus } from './task.js';
import { TASK_STATUSES } from './task.js';
import { CHANNELS } from './task.sql.js';

type NotificationEvents = {
  /** These tasks changed, on any replica, and are now in `status`. */
  changed: [status: TaskStatus, taskIds: string[]];
  /**
   * A task may have become claimable: one was announced `queued`. Also emitted after every (re)connect,
   * when some may have been missed.
   */
  wake: [];
  /** A stop was asked for this running task. */
  stop: [taskId: string];
  /** The LISTEN connection is (again) up after a loss: whatever was announced meanwhile was missed. */
  reconnected: [];
};

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * The one LISTEN connection of this replica. It is a dedicated client, not a pool member, because a
 * LISTEN belongs to a session: on DATABASE_LISTEN_URL when set, so that the pool may go through a pooler
 * in transaction mode (notifications are still sent from the pool: NOTIFY needs no session). Notifications only lower latency: whoever listens here also re-reads the
 * table on a timer, so a notification lost while this connection was down delays, never loses.
 */
@Injectable()
export class TaskNotificationsService
  extends EventEmitter<NotificationEvents>
  implements OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger(TaskNotificationsService.name);
  private client: pg.Client | undefined;
  private closed = false;
  private reconnectDelayMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectedBefore = false;
  private connectedOnce: Promise<void>;
  private resolveConnectedOnce!: () => void;

  constructor(
    @Inject(TASKSYSTEM_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: TaskMetrics,
  ) {
    super();
    this.setMaxListeners(0); // every waiting DELETE listens for its task's change
    this.connectedOnce = new Promise((resolve) => (this.resolveConnectedOnce = resolve));
  }

  get isListening(): boolean {
    return this.client !== undefined;
  }

  async onModuleInit(): Promise<void> {
    void this.connect();
    // Start-up waits for the first LISTEN so that no notification sent after start-up is missed.
    await this.connectedOnce;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      ...sessionClientConfig(this.dataSource, this.config.databaseListenUrl),
      connectionTimeoutMillis: 5000,
    });
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNELS.events}; LISTEN ${CHANNELS.stop}`);
    } catch (error) {
      this.lose(client, error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.connectedBefore;
    this.client = client;
    this.connectedBefore = true;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    this.resolveConnectedOnce();
    this.emit('wake');
    if (reconnected) this.emit('reconnected');
  }

  private lose(client: pg.Client, error: Error): void {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.client === client) this.client = undefined;
    if (this.closed) return;
    this.metrics.notifierReconnects.inc();
    this.logger.warn(`LISTEN connection lost (${error.message}); reconnecting in ${this.reconnectDelayMs} ms`);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_MS);
  }

  private dispatch(message: pg.Notification): void {
    const payload = message.payload ?? '';
    if (message.channel === CHANNELS.stop) {
      this.emit('stop', payload);
      return;
    }
    if (message.channel !== CHANNELS.events) return;
    const change = parseTaskEvent(payload);
    if (!change) {
      this.logger.warn(`ignoring a malformed ${CHANNELS.events} notification: ${payload.slice(0, 80)}`);
      return;
    }
    this.emit('changed', change.status, change.ids);
    if (change.status === 'queued') this.emit('wake');
  }
}

/** Reads a task_events payload, "<status>:<id>,<id>,…" (see task-queue.sql.ts). */
export function parseTaskEvent(payload: string): { status: TaskStatus; ids: string[] } | undefined {
  const colon = payload.indexOf(':');
  const status = payload.slice(0, colon) as TaskStatus;
  if (colon < 0 || !TASK_STATUSES.includes(status)) return undefined;
  const ids = payload.slice(colon + 1).split(',');
  return ids.every((id) => /^\d+$/.test(id)) ? { status, ids } : undefined;
}
