import { Controller, Get, NotFoundException, Param, Redirect, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DASHBOARD_ASSET_NAME, DASHBOARD_PUBLIC_DIR } from './dashboard-assets.js';

/**
 * Serves the dashboard: one HTML page and its scripts and styles. The page reads and changes tasks
 * through the public API (/tasks), so it needs nothing from this process but its files. Left out of the
 * OpenAPI document: these are pages, not API.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  @Get()
  @Redirect('/dashboard', 302)
  root(): void {}

  @Get('dashboard')
  page(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  @Get('dashboard/assets/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (!DASHBOARD_ASSET_NAME.test(file)) throw new NotFoundException(`no dashboard asset ${file}`);
    this.send(response, file);
  }

  private send(response: Response, file: string): void {
    // no-cache: the browser revalidates (ETag), so a new release's page and scripts are never mixed with old ones.
    response.sendFile(file, { root: DASHBOARD_PUBLIC_DIR, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
      if (!error || response.headersSent) return;
      response.status(404).json({ statusCode: 404, error: 'Not Found', message: `no dashboard asset ${file}` });
    });
  }
}
