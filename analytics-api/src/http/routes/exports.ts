import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

// Placeholder so the app compiles while issue 5's routes are being written.
export async function exportRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
