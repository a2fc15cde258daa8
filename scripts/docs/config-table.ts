import type { Variable } from '../../src/config/variable.js';

/** A table cell: a `|` would end it early. */
const cell = (markdown: string): string => markdown.replaceAll('|', '\\|');

/**
 * The README's configuration table, one row per declared variable, in declaration order. Everything in
 * it comes from the declarations (src/config/variables.ts), so the README cannot drift from the code.
 */
export function configTable(variables: Record<string, Variable<string, unknown>>): string {
  const rows = Object.entries(variables).map(([name, { default: fallback, type, description }]) => {
    const shown = typeof fallback === 'string' ? `\`${fallback}\`` : fallback.shown;
    return `| \`${name}\` | ${cell(shown)} | ${cell(type.accepts)} | ${cell(description)} |`;
  });
  return ['| variable | default | accepts | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
