import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller.js';

/** The browser dashboard at /dashboard (and / redirecting to it): static files that use the task API. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
