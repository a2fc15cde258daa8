import { slotOfWorkerId } from './worker-id.js';

describe('slotOfWorkerId', () => {
  it.each([
    ['web-1-4711-ab12/3', 3],
    ['host:8080/12', 12],
    ['a.b_c-d/0', 0],
  ])('reads the slot of %s', (workerId, slot) => expect(slotOfWorkerId(workerId)).toBe(slot));
});
