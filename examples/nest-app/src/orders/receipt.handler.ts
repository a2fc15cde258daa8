import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskHandler, TaskSystem } from 'tasksystem';
import type { TaskContext } from 'tasksystem';
import { Order } from './order.entity.js';

interface ReceiptPayload {
  orderId: number;
}

/** Inline: runs in this process. Marks the order receipted and enqueues its archiving, a follow-up task. */
@Injectable()
@TaskHandler({ type: 'send-receipt', description: 'Sends the receipt of an order, then has it archived' })
export class SendReceiptHandler implements TaskHandler<ReceiptPayload, { sent: number; archiveTaskId: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TaskSystem,
  ) {}

  validatePayload(payload: unknown): string[] {
    const orderId = (payload as Partial<ReceiptPayload> | null)?.orderId;
    return Number.isInteger(orderId) ? [] : ['payload.orderId must be an integer'];
  }

  async run({ orderId }: ReceiptPayload, { signal }: TaskContext): Promise<{ sent: number; archiveTaskId: string }> {
    signal.throwIfAborted();
    await this.dataSource.getRepository(Order).update({ id: orderId }, { status: 'receipted' });
    const archive = await this.tasks.submit({ type: 'archive-order', payload: { orderId } });
    return { sent: orderId, archiveTaskId: archive.id };
  }
}

@Injectable()
@TaskHandler({ type: 'archive-order' })
export class ArchiveOrderHandler implements TaskHandler<ReceiptPayload, { archived: number }> {
  run({ orderId }: ReceiptPayload): Promise<{ archived: number }> {
    return Promise.resolve({ archived: orderId });
  }
}

/**
 * Isolated: the provider only checks payloads; the work runs in a worker thread (checksum.thread.ts, named
 * relative to this file), which a stop can terminate even while it never yields.
 */
@Injectable()
@TaskHandler({ type: 'checksum', isolated: { module: new URL('./checksum.thread.js', import.meta.url) } })
export class ChecksumHandler {
  validatePayload(payload: unknown): string[] {
    return typeof (payload as { text?: unknown } | null)?.text === 'string' ? [] : ['payload.text must be a string'];
  }
}
