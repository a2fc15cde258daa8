import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TaskSystemModule } from 'tasksystem';
import { CreateOrders1767225600000 } from './orders/create-orders.migration.js';
import { Order } from './orders/order.entity.js';
import { OrdersModule } from './orders/orders.module.js';

@Module({})
export class AppModule {
  static forDatabase(url: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The application's own connection, entities and migrations.
        TypeOrmModule.forRoot({
          type: 'postgres',
          url,
          entities: [Order],
          migrations: [CreateOrders1767225600000],
          migrationsRun: true,
        }),
        // TaskSystem on that same DataSource: its tables are migrated at start-up, its REST API is under /jobs.
        TaskSystemModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            dataSource,
            settings: { workerConcurrency: 4, pollIntervalMs: 200 },
          }),
          http: { path: 'jobs' },
        }),
        OrdersModule,
      ],
    };
  }
}
