/** Where recommendation transformers run; apart from the router so `serve --help` lists them without loading it. */
export const TRANSFORMER_BACKENDS = ["local", "lambda", "auto"] as const;
export type TransformerBackend = (typeof TRANSFORMER_BACKENDS)[number];
