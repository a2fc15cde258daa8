import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/app-config.js';
import type { AppConfig } from '../config/app-config.js';
import { MetricsScrape } from './metrics-scrape.js';

/**
 * METRICS_PORT: a second HTTP listener that serves `GET /metrics` and nothing else, without an API key,
 * for scrapers that send no headers (Fly's, which fly.toml's [metrics] points here). It is meant to stay
 * private: Fly's proxy publishes only [http_service]'s port, and in Compose or Kubernetes it is simply not
 * published. Plain node:http rather than the Nest app, so none of the API (routes, body parsing, request
 * log) is reachable through it, and scrapes every few seconds write no log lines. Off when unset.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricsListener.name);
  private server: Server | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsScrape,
  ) {}

  /** Listening before the app says it is up: a port already taken stops start-up, naming it. */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (port === undefined) return;
    const server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((listening, failed) => {
      server.once('error', failed);
      // No host: every interface, IPv6 included, which is how Fly's scraper reaches a machine.
      server.listen(port, () => listening());
    });
    this.server = server;
    this.logger.log(`metrics on port ${(server.address() as AddressInfo).port} at /metrics (METRICS_PORT)`);
  }

  /** Closed before the database pool is, so that no scrape is left half-answered. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (new URL(request.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      return void response.writeHead(404, { 'Content-Type': 'text/plain' }).end('only /metrics is served here\n');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return void response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end();
    }
    try {
      const text = await this.metrics.text();
      response.writeHead(200, { 'Content-Type': this.metrics.contentType });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch (error) {
      this.logger.warn(`metrics scrape failed: ${(error as Error).message}`);
      response.writeHead(503, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
    }
  }
}
