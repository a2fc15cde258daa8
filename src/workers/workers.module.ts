import { Module } from '@nestjs/common';
import { WorkersRepository } from './workers.repository.js';

/** The workers table: the replicas that run tasks, written by their heartbeats, read by GET /workers. */
@Module({ providers: [WorkersRepository], exports: [WorkersRepository] })
export class WorkersModule {}
