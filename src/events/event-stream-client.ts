import type { Response } from 'express';

/**
 * Bytes a client may have waiting in its socket before it is written off as slow: from then on its
 * events are dropped, and once the socket drains it is told to `resync` (re-read what it shows).
 * So a slow or stalled browser costs this replica a bounded amount of memory, never an unbounded queue.
 */
const MAX_BUFFERED_BYTES = 256 * 1024;

/** One open `GET /tasks/events` response, written as server-sent events. */
export class EventStreamClient {
  private behind = false;

  constructor(private readonly response: Response) {}

  /** Sends the headers and the reconnect delay a browser's EventSource (or our page) should use. */
  open(retryMs: number): void {
    this.response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    this.response.write(`retry: ${retryMs}\n\n`);
  }

  send(event: string, data: unknown): void {
    if (this.behind) return;
    if (this.response.writableLength > MAX_BUFFERED_BYTES) {
      this.behind = true;
      this.response.once('drain', () => {
        this.behind = false;
        this.send('resync', {});
      });
      return;
    }
    this.response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: keeps proxies from closing an idle stream. */
  keepAlive(): void {
    if (!this.behind) this.response.write(': keep-alive\n\n');
  }

  end(): void {
    this.response.end();
  }
}
