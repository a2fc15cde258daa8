import { Module } from '@nestjs/common';
import { QueueSettingsRepository } from './queue-settings.repository.js';

/** The settings of named queues, for the queues API and for the worker's claims alike. */
@Module({ providers: [QueueSettingsRepository], exports: [QueueSettingsRepository] })
export class QueueSettingsModule {}
