import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

// Placeholder so the app compiles while issue 4's routes are being written.
export async function kpiReadRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
