import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts and cli.ts: before the next full collection, the old generation may grow
 * to 1.5× what survived the last one. Left to itself, V8 picks that factor from how fast it collects
 * against how fast the program allocates (up to 4×), and the choice flips from one run to the next:
 * in a full sync, whose pages live long enough to leave the young generation, the heap reached
 * 180 MB over a live set of about 45 MB, and the same bench row measured a peak RSS of 160–175 MB in
 * some runs and 250–290 MB in others (docs/benchmarks.md, `--only sync`). With the factor fixed, the
 * peak stays in the lower band at no measured cost in time.
 *
 * Node keeps V8's flags writable after start for this function, and V8 reads this one each time it
 * sizes the heap, so setting it here applies however the service is started (the image's CMD,
 * `npm start`, the tests, the bench).
 */
setFlagsFromString('--heap-growing-percent=50');
