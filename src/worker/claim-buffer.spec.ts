import type { BufferedClaim } from '../task-store/task.repository.js';
import { ClaimBuffer } from './claim-buffer.js';
import { claimedTask } from './test-support/claimed-task.js';

const buffered = (id: string, buffering: string, priority = 0): BufferedClaim => ({
  ...claimedTask({ id, priority }),
  status: 'queued',
  workerId: null,
  buffering,
});

describe('ClaimBuffer', () => {
  it('gives out its tasks best first: higher priority, then older', () => {
    const buffer = new ClaimBuffer(10, 1);
    buffer.add([buffered('12', 'r#1'), buffered('9', 'r#1'), buffered('30', 'r#1', 5)]);
    expect(buffer.take(3).map(({ task }) => task.id)).toEqual(['30', '9', '12']);
  });

  it('keeps a task buffered again by a later claim under that claim’s mark only', () => {
    const buffer = new ClaimBuffer(10, 1);
    buffer.add([buffered('7', 'r#1'), buffered('8', 'r#1')]);
    buffer.add([buffered('7', 'r#2')]);
    expect(buffer.size).toBe(2);
    expect(buffer.remove('7')).toMatchObject({ id: '7', buffering: 'r#2' });
    expect(buffer.remove('7')).toBeUndefined();
  });
});
