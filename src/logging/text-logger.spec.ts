import { jest } from '@jest/globals';
import { stripVTControlCharacters } from 'node:util';
import { withRequestId } from './request-context.js';
import { TextLogger } from './text-logger.js';

describe('TextLogger', () => {
  let written: string[];
  let restore: () => void;

  beforeEach(() => {
    written = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(stripVTControlCharacters(String(chunk))); // Nest colours it
      return true;
    });
    restore = () => spy.mockRestore();
  });

  afterEach(() => restore());

  it("writes Nest's readable line, ending with the id of the request it was logged for", () => {
    const logger = new TextLogger(['log']);
    withRequestId('req-9', () => logger.log('task 9 (sleep) started', 'WorkerSupervisor'));
    logger.log('listening', 'Main');
    expect(written[0]).toMatch(/ LOG \[WorkerSupervisor\] task 9 \(sleep\) started reqId=req-9\n$/);
    expect(written[1]).toMatch(/ LOG \[Main\] listening\n$/);
    expect(written[1]).not.toContain('reqId');
  });

  it('leaves out what is below its levels', () => {
    const logger = new TextLogger(['log']);
    logger.debug('detail', 'HTTP');
    expect(written).toEqual([]);
  });
});
