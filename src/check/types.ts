/*
 * The checker seam: one function per protocol that looks at one real server once and says
 * whether it is fit to serve. The runner (runner.ts) owns the clock, the timeout and rise/fall.
 */

export interface CheckOutcome {
  ok: boolean;
  /** What was seen, for status and logs: "HTTP 200 in 3 ms", "connection refused". */
  message: string;
  /** A weight the check asks for (the script checker's dynamic mode). */
  weight?: number;
}

export interface CheckResult extends CheckOutcome {
  durationMs: number;
  /** Wall-clock time the check finished, ISO 8601. */
  at: string;
}

/** Where a check connects: the real server, or its connect_address/connect_port. */
export interface CheckTarget {
  address: string;
  port: number;
  source?: string;
}

/**
 * Runs one check. It must finish (or reject) soon after `signal` aborts: the runner aborts it
 * at the timeout, and counts whatever it does after that as a failure.
 */
export type Checker = (signal: AbortSignal) => Promise<CheckOutcome>;

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
