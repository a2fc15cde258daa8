import { parseTaskEvent } from './task-notifications.service.js';

describe('parseTaskEvent', () => {
  it('reads a status and its task ids', () => {
    expect(parseTaskEvent('succeeded:1,22,333')).toEqual({ status: 'succeeded', ids: ['1', '22', '333'] });
    expect(parseTaskEvent('queued:7')).toEqual({ status: 'queued', ids: ['7'] });
  });

  it('refuses an unknown status, a missing colon, or ids that are not digits', () => {
    expect(parseTaskEvent('exploded:1')).toBeUndefined();
    expect(parseTaskEvent('12,13')).toBeUndefined();
    expect(parseTaskEvent('running:1,x')).toBeUndefined();
    expect(parseTaskEvent('running:')).toBeUndefined();
  });
});
