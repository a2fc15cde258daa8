// `npm run test:pgbouncer`: the replicas through a real PgBouncer in transaction mode
// (test/*.pgbouncer-spec.ts). Not part of `npm test`, which needs nothing installed by hand: PgBouncer is
// not an npm package, it comes from the system (`apt-get install pgbouncer`); .ci/run installs it and runs
// this. The same set-up as the end-to-end tests: a template database, one clone per test file.
import base from './jest.config.js';

const e2e = base.projects.find((project) => project.displayName === 'e2e');

export default {
  testTimeout: base.testTimeout,
  projects: [{ ...e2e, displayName: 'pgbouncer', testMatch: ['<rootDir>/test/**/*.pgbouncer-spec.ts'] }],
};
