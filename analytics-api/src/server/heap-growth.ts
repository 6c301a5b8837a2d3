import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts and cli.ts: before the next full collection, the old generation may grow
 * to 1.5× what survived the last one. Left to itself, V8 picks that factor from how fast it collects
 * against how fast the program allocates (up to 4×): in a full sync, whose pages live long enough to
 * leave the young generation, the heap reached 180 MB over a live set of about 45 MB, and the sync
 * bench row's peak RSS was 248–288 MB in 21 runs; with the factor fixed it was 159–175 MB in 22 runs,
 * at no measured cost in time (docs/benchmarks.md, the full sync's seen ids and the heap factor).
 *
 * Node keeps V8's flags writable after start for this function, and V8 reads this one each time it
 * sizes the heap, so setting it here applies however the service is started (the image's CMD,
 * `npm start`, the tests, the bench).
 */
setFlagsFromString('--heap-growing-percent=50');
