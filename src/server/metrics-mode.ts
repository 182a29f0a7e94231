/** `off`: no /metrics route; `on`: unsigned; `signed`: SigV4 with any configured key, service name `pinrec`. */
export type MetricsMode = "off" | "on" | "signed";
export const METRICS_MODES: readonly MetricsMode[] = ["off", "on", "signed"];
