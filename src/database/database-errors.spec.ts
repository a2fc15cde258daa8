import { isDatabaseUnavailable, isUnstorableJson } from './database-errors.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises connection failures and server shutdowns', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED', message: 'from another realm' })).toBe(true);
    expect(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('connection failure', '08006'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('leaves query errors and non-errors alone', () => {
    expect(isDatabaseUnavailable(withCode('syntax error at or near "SELEC"', '42601'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('duplicate key value', '23505'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

describe('isUnstorableJson', () => {
  it('recognises the JSON text PostgreSQL refuses', () => {
    expect(isUnstorableJson(withCode('unsupported Unicode escape sequence', '22P05'))).toBe(true);
    expect(isUnstorableJson(withCode('invalid input syntax for type json', '22P02'))).toBe(true);
  });

  it('leaves other invalid input alone', () => {
    expect(isUnstorableJson(withCode('invalid input syntax for type bigint: "x"', '22P02'))).toBe(false);
    expect(isUnstorableJson(withCode('connection failure', '08006'))).toBe(false);
  });
});
