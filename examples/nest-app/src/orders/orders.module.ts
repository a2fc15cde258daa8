import { Module } from '@nestjs/common';
import { ArchiveOrderHandler, ChecksumHandler, SendReceiptHandler } from './receipt.handler.js';
import { OrdersService } from './orders.service.js';

/** The application's own feature module: its handlers are found wherever they are declared. */
@Module({
  providers: [OrdersService, SendReceiptHandler, ArchiveOrderHandler, ChecksumHandler],
  exports: [OrdersService],
})
export class OrdersModule {}
