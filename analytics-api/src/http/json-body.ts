import type { FastifyInstance } from 'fastify';
import { invalid } from '../errors.js';

export const MAX_JSON_DEPTH = 64;

/**
 * The deepest nesting of a JSON text, found without parsing it: JSON.parse on a hostile, deeply
 * nested body would otherwise exhaust the stack.
 */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 1;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return deepest;
}

/**
 * Replaces Fastify's JSON parser: an empty body is "no body" (n8n and curl send POSTs without one
 * in mock mode), nesting is bounded, and a syntax error is a 400 problem that says where.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    if (jsonDepth(text) > MAX_JSON_DEPTH) return done(invalid(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(invalid(`body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}
