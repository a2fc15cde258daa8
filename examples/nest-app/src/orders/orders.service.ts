import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskSystem } from 'tasksystem';
import type { Task } from 'tasksystem';
import { Order } from './order.entity.js';

@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TaskSystem,
  ) {}

  /**
   * Stores the order and submits the task that sends its receipt in one transaction of the application's:
   * both exist, or (`failBeforeCommit`, or any error) neither does.
   */
  place(item: string, { failBeforeCommit = false } = {}): Promise<{ order: Order; receipt: Task }> {
    return this.dataSource.transaction(async (manager) => {
      const order = await manager.save(manager.create(Order, { item }));
      const receipt = await this.tasks.submit({ type: 'send-receipt', payload: { orderId: order.id } }, { manager });
      if (failBeforeCommit) throw new Error(`the order of ${item} was refused after its receipt was submitted`);
      return { order, receipt };
    });
  }

  find(id: number): Promise<Order | null> {
    return this.dataSource.getRepository(Order).findOneBy({ id });
  }
}
