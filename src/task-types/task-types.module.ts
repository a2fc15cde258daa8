import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskInputChecker } from './task-input.checker.js';
import { TaskTypeRegistry } from './task-type.registry.js';

/**
 * Task types: the @TaskHandler declarations found in the application and the checks a submission must
 * pass. The API and the worker both use it; it loads no worker code.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [TaskTypeRegistry, TaskInputChecker],
  exports: [TaskTypeRegistry, TaskInputChecker],
})
export class TaskTypesModule {}
