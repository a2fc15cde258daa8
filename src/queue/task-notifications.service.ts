import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { TaskMetrics } from '../metrics/task-metrics.js';
import { CHANNELS } from './task-queue.sql.js';

type NotificationEvents = {
  /** A task became claimable in this queue. Also emitted after every (re)connect: we may have missed some. */
  wake: [queue: string | null];
  /** A stop was asked for this running task. */
  stop: [taskId: string];
  /** This task, whose stop was asked, has ended. */
  done: [taskId: string];
};

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

/**
 * The one LISTEN connection of this replica. It is a dedicated client, not a pool member, because a
 * LISTEN belongs to a session. Notifications only lower latency: whoever listens here also re-reads the
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
  private connectedOnce: Promise<void>;
  private resolveConnectedOnce!: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: TaskMetrics,
  ) {
    super();
    this.setMaxListeners(0); // every waiting DELETE listens for its task's `done`
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
    const client = new pg.Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => this.dispatch(message));
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNELS.wake}; LISTEN ${CHANNELS.stop}; LISTEN ${CHANNELS.done}`);
    } catch (error) {
      this.lose(client, error as Error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelayMs = RECONNECT_MIN_MS;
    this.resolveConnectedOnce();
    this.emit('wake', null);
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
    switch (message.channel) {
      case CHANNELS.wake:
        this.emit('wake', payload || null);
        break;
      case CHANNELS.stop:
        this.emit('stop', payload);
        break;
      case CHANNELS.done:
        this.emit('done', payload);
        break;
    }
  }
}
