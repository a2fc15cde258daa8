import { writeFileSync } from 'node:fs';
import type { FuzzRequest } from './request.js';
import { API_KEY } from './service.js';

/** Bodies longer than this go to a file rather than on the command's line. */
const INLINE_BODY_BYTES = 2000;

/**
 * The request as a curl command against `npm start`'s service on localhost:4000, preceded by how that
 * service must be started (with the fuzz's key, or open), so that anyone can replay it by hand.
 * `bodyFile`: where a long body is written.
 */
export function toCurl(request: FuzzRequest, bodyFile: string): string {
  const start =
    request.target === 'keys' ? `# service: API_KEYS=${API_KEY} npm start` : '# service: npm start (no API_KEYS)';
  const parts = ['curl -sS -i -g --path-as-is', `-X ${request.method}`, quote(`http://localhost:4000${request.url}`)];
  for (const [name, value] of request.headers) parts.push(`-H ${quote(`${name}: ${value}`)}`);
  const hasContentType = request.headers.some(([name]) => name.toLowerCase() === 'content-type');
  if (request.body !== undefined) {
    // curl would add its own form Content-Type: an empty header line removes it.
    if (!hasContentType) parts.push(`-H 'Content-Type:'`);
    // A NUL byte would end a shell string.
    if (request.body.length > INLINE_BODY_BYTES || request.body.includes(0)) {
      writeFileSync(bodyFile, request.body);
      parts.push(`--data-binary @${bodyFile}`);
    } else {
      parts.push(`--data-binary ${quoteBytes(request.body)}`);
    }
  }
  return `${start}\n${parts.join(' ')}`;
}

/** Single quotes when the text allows, else bash's $'…' with \xHH escapes. */
function quote(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) && !text.includes("'") ? `'${text}'` : quoteBytes(Buffer.from(text, 'latin1'));
}

function quoteBytes(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out +=
      byte >= 0x20 && byte < 0x7f && char !== "'" && char !== '\\' ? char : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `$'${out}'`;
}
