import { VARIABLES } from '../../src/config/variables.js';
import { integer, oneOf } from '../../src/config/value-types.js';
import { variable } from '../../src/config/variable.js';
import { configTable } from './config-table.js';

describe('configTable', () => {
  it('writes one row per variable: name, default, what it accepts, meaning', () => {
    const table = configTable({
      PORT: variable({ field: 'port', type: integer(0, 65_535), default: '4000', description: 'HTTP port' }),
      LOG_FORMAT: variable({
        type: oneOf(['json', 'text']),
        default: { text: () => 'text', shown: '`json` in production, else `text`' },
        description: 'a | b',
      }),
    });
    expect(table.split('\n')).toEqual([
      '| variable | default | accepts | meaning |',
      '|---|---|---|---|',
      '| `PORT` | `4000` | an integer from 0 to 65,535 | HTTP port |',
      '| `LOG_FORMAT` | `json` in production, else `text` | one of json, text | a \\| b |',
    ]);
  });

  it('lists every declared variable', () => {
    const names = [...configTable(VARIABLES).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1]);
    expect(names).toEqual(Object.keys(VARIABLES));
  });
});
