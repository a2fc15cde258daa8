// One replica of the chaos run: what src/main.ts does (configuration from the environment, createApp,
// listen, a graceful stop on SIGTERM/SIGINT), plus the chaos task type. run.ts always gives DATABASE_URL.
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { ChaosHandlersModule } from './chaos-handler.js';
import { fromDist } from './from-dist.js';

const { loadConfig } = await fromDist<typeof import('../../src/config/app-config.js')>('config/app-config.js');
const { createApp } = await fromDist<typeof import('../../src/app.setup.js')>('app.setup.js');

let app: INestApplication | undefined;
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app?.close();
  process.exit(0); // as main.ts: a clean stop exits 0 whatever handles are left
}

process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
// run.ts keeps an IPC channel open only so that we notice its end: if it dies, even by kill -9, the channel
// closes and we stop, so no replica outlives its run. It may have closed while the imports above loaded.
process.once('disconnect', () => void stop());
if (!process.connected) void stop();

try {
  const config = loadConfig(process.env);
  app = await createApp(config, [ChaosHandlersModule]);
  if (stopping)
    await app.close(); // asked to stop while starting: stop() saw no app yet
  else await app.listen(config.port, '127.0.0.1');
} catch (error) {
  console.error(`chaos replica ${process.env.REPLICA_ID} failed to start:`, error);
  process.exit(1);
}
