/** What the benchmark asks of a load generator (argv, as JSON), and the line it prints back. */
export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  duration?: number;
  /** A number of requests instead of a duration (autocannon only). */
  amount?: number;
  /** Requests per second offered across all connections: `fixed-rate.ts` only. */
  overallRate?: number;
}

export interface LoadResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
