// `npm run migration:run`: applies migrations to DATABASE_LISTEN_URL (the direct URL), or DATABASE_URL when
// it is unset, for deployments that migrate in a separate step. The app also migrates at start-up, so this
// is never required for `npm start`.
import { loadMigrationDatabaseUrl } from '../config/app-config.js';
import { migrateDatabase } from './migrate.js';

const databaseUrl = loadMigrationDatabaseUrl(process.env);
if (!databaseUrl) {
  console.error('DATABASE_URL must be set to run migrations against a server');
  process.exit(1);
}
const applied = await migrateDatabase(databaseUrl);
console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'no pending migrations');
