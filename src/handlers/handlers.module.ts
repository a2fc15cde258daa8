import { Module } from '@nestjs/common';
import { CpuHandler } from './cpu.handler.js';
import { DemoHandler } from './demo.handler.js';
import { FailHandler } from './fail.handler.js';
import { SleepHandler } from './sleep.handler.js';

/** The task types TaskSystem ships. Add a type: a provider marked @TaskHandler, listed here. */
@Module({ providers: [DemoHandler, SleepHandler, FailHandler, CpuHandler] })
export class HandlersModule {}
