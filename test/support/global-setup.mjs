// Once per `npm test`: build the app, unpack the browser, start the PostgreSQL server (DATABASE_URL's, or
// an embedded one under .data/test-pg, apart from the one `npm start` uses), and migrate a template
// database that every test file clones. Plain JavaScript on the fresh build, because Jest loads global setup outside its ESM
// test runtime, where our TypeScript sources cannot be imported.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

// Named per run, so that two `npm test` runs on one server (two checkouts, or CI next to a developer)
// cannot drop each other's template.
const TEMPLATE_DATABASE = `tasksystem_test_template_${process.pid}`;

/**
 * The dashboard's tests drive a Chromium that comes with `npm install` (the devDependency
 * @sparticuz/chromium), unpacked here once into this checkout's node_modules/.cache and handed to the test
 * workers as CHROMIUM_PATH. The package unpacks into os.tmpdir(), so TMPDIR points there for the call: in
 * /tmp the copy would belong to whichever user unpacked it first (0700), and nobody else could start it.
 * Here, outside Jest's sandbox, TMPDIR reaches os.tmpdir(). A CHROMIUM_PATH already set (e.g. Debian's
 * /usr/bin/chromium) is used as it is.
 */
async function unpackChromium() {
  if (process.env.CHROMIUM_PATH) return;
  const home = resolve('node_modules', '.cache', 'tasksystem-chromium');
  mkdirSync(home, { recursive: true });
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = home;
  try {
    const { default: chromium } = await import('@sparticuz/chromium');
    process.env.CHROMIUM_PATH = await chromium.executablePath();
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
}

export default async function globalSetup() {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  await unpackChromium();
  const { migrateDatabase } = await import('../../dist/database/migrate.js');
  const pg = (await import('pg')).default;

  let server = process.env.DATABASE_URL;
  if (!server) {
    const { startEmbeddedPostgres } = await import('../../dist/dev/embedded-postgres/embedded-postgres.js');
    const embedded = await startEmbeddedPostgres({
      dataDir: resolve('.data', 'test-pg'),
      preferredPort: 54_339,
      fast: true,
      log: (message) => process.stdout.write(`[embedded-postgres] ${message}\n`),
    });
    globalThis.embeddedPostgres = embedded;
    server = embedded.url;
  }
  process.env.TEST_SERVER_URL = server;
  process.env.TEST_TEMPLATE_DATABASE = TEMPLATE_DATABASE;
  globalThis.testTemplateDatabase = TEMPLATE_DATABASE;

  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const template = new URL(server);
  template.pathname = `/${TEMPLATE_DATABASE}`;
  await migrateDatabase(template.toString());
}
