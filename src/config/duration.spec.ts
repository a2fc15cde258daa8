import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['7d', 604_800_000],
    ['12h', 43_200_000],
    ['30m', 1_800_000],
    ['45s', 45_000],
    ['500ms', 500],
    ['0d', 0],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['7', 'd', '1.5h', '-1d', '7 days', ''])('refuses %s', (text) => expect(parseDuration(text)).toBeUndefined());
});
