import { ApiProperty } from '@nestjs/swagger';

/** A replica that runs tasks, as GET /workers lists it. Documentation only: the controller returns WorkerView. */
export class WorkerDto {
  @ApiProperty({
    description: 'REPLICA_ID: the `<replica>` in the `workerId` (`<replica>/<slot>`) of the tasks it runs',
    example: 'vm-17211-cc28',
  })
  id!: string;

  @ApiProperty({ description: 'The host name of its machine or container', example: 'vm-17211' })
  host!: string;

  @ApiProperty({ type: 'integer', description: 'Its process id on that host', example: 17211 })
  pid!: number;

  @ApiProperty({ description: 'The version of the tasksystem package it runs', example: '0.1.0' })
  version!: string;

  @ApiProperty({ format: 'date-time', description: 'When its worker started' })
  startedAt!: string;

  @ApiProperty({ type: [String], description: 'The task types it runs (it claims only these)', example: ['demo'] })
  taskTypes!: string[];

  @ApiProperty({ type: 'integer', minimum: 1, description: 'WORKER_CONCURRENCY: tasks it runs at once', example: 5 })
  slots!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description:
      'Tasks it holds `running` now: 0 once it stopped cleanly; a killed one keeps its count until its leases are taken back',
    example: 2,
  })
  slotsInUse!: number;

  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'The queues it works (WORKER_QUEUES); null: every queue',
    example: null,
  })
  queues!: string[] | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Its own limits of tasks running at once on it, by queue (WORKER_QUEUES `name:n`)',
    example: { reports: 2 },
  })
  queueLimits!: Record<string, number>;

  @ApiProperty({
    type: 'integer',
    description: 'LEASE_MS: it counts as gone one lease after its last heartbeat',
    example: 30000,
  })
  leaseMs!: number;

  @ApiProperty({ format: 'date-time', description: 'When it last said it was alive' })
  lastHeartbeatAt!: string;

  @ApiProperty({ description: 'It stopped cleanly, or has not beaten for a lease (killed, frozen or cut off)' })
  gone!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it stopped cleanly, or one lease after its last heartbeat; null while alive',
    example: null,
  })
  goneAt!: string | null;
}

export class WorkerListDto {
  @ApiProperty({
    type: [WorkerDto],
    description: 'The live replicas that run tasks, by id, then those gone in the last hour',
  })
  workers!: WorkerDto[];
}
