import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { TasksController } from './tasks.controller.js';
import { TasksModule } from './tasks.module.js';

/** The /tasks routes, the live event stream among them. */
@Module({ imports: [TasksModule, EventsModule], controllers: [TasksController] })
export class TasksHttpModule {}
