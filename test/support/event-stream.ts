import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

export interface OpenEventStream {
  status: number;
  contentType: string | null;
  /** Every event received so far, in order. */
  events: ServerSentEvent[];
  /** True once the server has ended the stream (not this client, by close()). */
  endedByServer(): boolean;
  /** Waits for an event that matches, received at any time since the stream opened. */
  waitForEvent(description: string, matches: (event: ServerSentEvent) => boolean): Promise<ServerSentEvent>;
  close(): void;
}

/** The base URL a test app listens on. */
export function baseUrl(app: INestApplication): string {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/**
 * Opens `GET /tasks/events` as a browser's fetch() would and parses the server-sent events as they
 * arrive, so a test sees exactly the stream a client gets.
 */
export async function openEventStream(
  app: INestApplication,
  headers: Record<string, string> = {},
): Promise<OpenEventStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl(app)}/tasks/events`, { headers, signal: abort.signal });
  const events: ServerSentEvent[] = [];
  let endedByServer = false;
  if (response.ok && response.body) {
    // Reading ends without an error only when the server ends the body; close() makes it throw instead.
    void readEvents(response.body, events).then(
      () => (endedByServer = true),
      () => undefined,
    );
  } else await response.body?.cancel();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    endedByServer: () => endedByServer,
    waitForEvent: (description, matches) =>
      waitFor(`event stream: ${description}`, () => events.find(matches), { timeoutMs: 10_000 }),
    close: () => abort.abort(),
  };
}

async function readEvents(body: ReadableStream<Uint8Array>, events: ServerSentEvent[]): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a comment: keep-alive
        const colon = line.indexOf(':');
        fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      const data = fields.get('data');
      if (fields.has('event') && data !== undefined)
        events.push({ event: fields.get('event')!, data: JSON.parse(data) });
    }
  }
}
