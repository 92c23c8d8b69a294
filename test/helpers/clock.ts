/**
 * A clock that stands still until the test moves it: the time of a gateway and its sandbox in
 * tests of time (freshness, key trust, the newcomers' credits, SalesBinder's `modified`), so that
 * they move time instead of waiting for it and assert behaviour whatever the machine's load.
 */
export interface TestClock {
  now: () => number;
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
}

/** Starts on a whole second (SalesBinder's `modified` has whole seconds), after the seed's dates. */
export function createTestClock(start = Date.UTC(2026, 0, 5, 9, 0, 0)): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      if (!(ms >= 0)) throw new Error(`a test clock only moves forward (asked ${ms} ms)`);
      t += ms;
    },
  };
}
