// One replica of the chaos run: what src/main.ts does (configuration from the environment, createApp,
// listen, a graceful stop on SIGTERM/SIGINT), plus the chaos task type. run.ts always gives DATABASE_URL.
import 'reflect-metadata';
import { ChaosHandlersModule } from './chaos-handler.js';
import { fromDist } from './from-dist.js';
const { loadConfig } = await fromDist('config/app-config.js');
const { createApp } = await fromDist('app.setup.js');
async function main() {
    const config = loadConfig(process.env);
    const app = await createApp(config, [ChaosHandlersModule]);
    let stopping = false;
    const stop = async () => {
        if (stopping)
            return;
        stopping = true;
        await app.close();
        process.exit(0); // as main.ts: a clean stop exits 0 whatever handles are left
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
    // run.ts keeps an IPC channel open only so that we notice its end: if it dies, even by kill -9, the
    // channel closes and we stop, so no replica outlives its run.
    process.once('disconnect', () => void stop());
    await app.listen(config.port, '127.0.0.1');
}
main().catch((error) => {
    console.error(`chaos replica ${process.env.REPLICA_ID} failed to start:`, error);
    process.exit(1);
});
