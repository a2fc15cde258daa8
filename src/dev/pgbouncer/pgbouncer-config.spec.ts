import { pgBouncerAuthFile, pgBouncerIni, pooledUrl } from './pgbouncer-config.js';

describe('the PgBouncer set-up of the pooling test and chaos', () => {
  it('pools every database of the server in transaction mode, with the URL user as its console admin', () => {
    const ini = pgBouncerIni(
      { serverUrl: 'postgres://tasks@db.internal:5433/app', port: 6543, serverConnections: 4 },
      '/tmp/x/users.txt',
    );
    expect(ini.split('\n')).toEqual(
      expect.arrayContaining([
        '* = host=db.internal port=5433',
        'listen_port = 6543',
        'pool_mode = transaction',
        'default_pool_size = 4',
        'auth_file = /tmp/x/users.txt',
        'admin_users = tasks',
      ]),
    );
  });

  it('writes the server password into the auth file, quotes doubled, and defaults user and port', () => {
    expect(pgBouncerAuthFile('postgres://o%27neil:pa%22ss%20word@db/app')).toBe(`"o'neil" "pa""ss word"\n`);
    expect(pgBouncerAuthFile('postgres://127.0.0.1/app')).toBe('"postgres" ""\n');
    expect(pgBouncerIni({ serverUrl: 'postgres://127.0.0.1/app', port: 1, serverConnections: 1 }, 'f')).toContain(
      '* = host=127.0.0.1 port=5432',
    );
  });

  it('points a database URL at the pooler, keeping its user, password and database', () => {
    expect(pooledUrl('postgres://u:p@db.internal:5432/tasks_1?sslmode=disable', 6543)).toBe(
      'postgres://u:p@127.0.0.1:6543/tasks_1?sslmode=disable',
    );
  });
});
