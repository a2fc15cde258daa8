import { Module } from '@nestjs/common';
import { WorkersController } from './workers.controller.js';
import { WorkersModule } from './workers.module.js';

/** The /workers route. */
@Module({ imports: [WorkersModule], controllers: [WorkersController] })
export class WorkersHttpModule {}
