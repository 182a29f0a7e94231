/** The campaign registry's defaults, apart from the registry so `serve --help` shows them without loading the engine. */

/** Users with folded-in events kept per server (about 4 KB each with iALS factors: ~400 MB). */
export const DEFAULT_MAX_FOLDED_USERS = 100_000;
