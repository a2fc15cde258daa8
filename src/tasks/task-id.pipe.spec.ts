import { BadRequestException } from '@nestjs/common';
import { TaskIdPipe } from './task-id.pipe.js';

describe('TaskIdPipe', () => {
  const pipe = new TaskIdPipe();

  it('accepts positive bigint ids and writes them canonically', () => {
    expect(pipe.transform('42')).toBe('42');
    expect(pipe.transform('007')).toBe('7');
    expect(pipe.transform('9223372036854775807')).toBe('9223372036854775807');
  });

  it.each(['0', '-1', '1.5', 'abc', '', ' 1', '9223372036854775808', '1e3'])('refuses "%s"', (id) => {
    expect(() => pipe.transform(id)).toThrow(BadRequestException);
  });
});
