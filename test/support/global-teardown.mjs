import pg from 'pg';

export default async function globalTeardown() {
  // Drop this run's template (test databases drop themselves), then stop the embedded server if we started one.
  const admin = new pg.Client({ connectionString: process.env.TEST_SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${globalThis.testTemplateDatabase} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await globalThis.embeddedPostgres?.stop();
}
