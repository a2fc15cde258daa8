/** What the PgBouncer of the pooling test and of `npm run chaos -- --pgbouncer` is set up with. */
export interface PgBouncerSetup {
  /** Any database URL on the PostgreSQL server to pool; its user (and password) log in to both. */
  serverUrl: string;
  port: number;
  /** Server connections per database (`default_pool_size`): what a managed pooler's plan allows. */
  serverConnections: number;
}

/**
 * pgbouncer.ini for a pooler in transaction mode, as managed poolers run it: every database of the server
 * under its own name, clients let in without a password (it is on 127.0.0.1 only) and logged in to the
 * server with the password of `serverUrl`, the same user as the admin of its console (SHOW POOLS, SHOW STATS).
 * No `max_prepared_statements`: PgBouncer before 1.21 has none, so named prepared statements must be off.
 */
export function pgBouncerIni(setup: PgBouncerSetup, authFile: string): string {
  const server = new URL(setup.serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  return [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || '5432'}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${setup.port}`,
    'unix_socket_dir =',
    'pool_mode = transaction',
    `default_pool_size = ${setup.serverConnections}`,
    'max_client_conn = 1000',
    'auth_type = trust',
    `auth_file = ${authFile}`,
    `admin_users = ${user}`,
    // A connection per client login and logout would drown the problems worth seeing.
    'log_connections = 0',
    'log_disconnections = 0',
  ].join('\n');
}

/** The auth file: the server's user and password, which PgBouncer uses to log in to the server. */
export function pgBouncerAuthFile(serverUrl: string): string {
  const server = new URL(serverUrl);
  const quoted = (text: string): string => `"${text.replaceAll('"', '""')}"`;
  return `${quoted(decodeURIComponent(server.username || 'postgres'))} ${quoted(decodeURIComponent(server.password))}\n`;
}

/** `url` with PgBouncer's address in place of the server's: the same user, password and database, pooled. */
export function pooledUrl(url: string, port: number): string {
  const pooled = new URL(url);
  pooled.hostname = '127.0.0.1';
  pooled.port = String(port);
  return pooled.toString();
}
