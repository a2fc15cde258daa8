/**
 * A part of the README that a check reads or a script writes, between two comments that Markdown does
 * not show: `<!-- name -->` and `<!-- /name -->`. The markers say where it starts and ends, so the rest
 * of the README stays free prose.
 */
export interface Section {
  /** The text between the markers, without the newlines that follow and precede them. */
  body: string;
  replace(body: string): string;
}

export function findSection(markdown: string, name: string): Section {
  const open = `<!-- ${name} -->\n`;
  const close = `\n<!-- /${name} -->`;
  const start = markdown.indexOf(open);
  const end = markdown.indexOf(close, start);
  if (start < 0 || end < 0)
    throw new Error(`README.md: the section "${name}" (<!-- ${name} --> … <!-- /${name} -->) is missing`);
  const bodyStart = start + open.length;
  return {
    body: markdown.slice(bodyStart, end),
    replace: (body) => markdown.slice(0, bodyStart) + body + markdown.slice(end),
  };
}
