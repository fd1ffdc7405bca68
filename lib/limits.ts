// What one admission may make Archy do, whatever a pod or a registry sends. Image names come from
// every tenant and registry answers are untrusted: each bound keeps the work, the memory and the
// registry traffic of one admission linear in what is reasonable, not in what was sent.

/** An image listing more platforms than this is not believed (real indexes list a dozen at most). */
export const MAX_PLATFORMS_PER_IMAGE = 64;

/** Distinct images looked up for one pod; the rest are named in a warning and left out. */
export const MAX_IMAGES_PER_ADMISSION = 64;

/**
 * Registry lookups of one admission under way at once. With manifests capped at 4 MiB this bounds
 * the bodies one admission holds in memory to 8 × 4 MiB.
 */
export const MAX_CONCURRENT_LOOKUPS = 8;

/** HTTP requests one admission may send to one registry (a single-arch image costs 2, plus auth). */
export const MAX_REQUESTS_PER_REGISTRY = 200;

/** Parsed image references a resolver keeps (a warm instance meets the same names again and again). */
export const MAX_PARSED_REFERENCES = 1024;
