/** Shadow copies running or waiting to start at most, per process, unless the server sets another bound. */
export const DEFAULT_SHADOW_MAX_IN_FLIGHT = 8;

export interface TShadowStats {
  inFlight: number;
  /** Shadow copies started since the process started. */
  started: number;
  /** Shadow copies not run because `maxInFlight` were already in flight. */
  dropped: number;
  /** Shadow copies that threw (e.g. the log refused them: NOT_READY); a shadow's failed run is a logged row, not this. */
  failed: number;
}

/**
 * Runs shadow copies of calls off the answer's path: a copy starts on a later turn of the event loop
 * (setImmediate, after the primary's answer was written), never holds a serving slot, and when
 * `maxInFlight` copies are already running a new one is dropped (counted) rather than queued, so shadows
 * can never build a backlog that delays primary calls. Whatever a copy does, it never reaches the caller.
 */
export class ShadowRunner {
  #inFlight = 0;
  #started = 0;
  #dropped = 0;
  #failed = 0;
  #idle: (() => void)[] = [];

  constructor(readonly maxInFlight = DEFAULT_SHADOW_MAX_IN_FLIGHT) {}

  /** Starts `run` soon, unless too many copies are in flight; true when it was taken. */
  offer(run: () => Promise<unknown>): boolean {
    if (this.#inFlight >= this.maxInFlight) {
      this.#dropped++;
      return false;
    }
    this.#inFlight++;
    this.#started++;
    setImmediate(() => {
      run()
        .catch(() => {
          this.#failed++;
        })
        .finally(() => {
          if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
        });
    });
    return true;
  }

  /** Resolves once no copy is in flight (tests, shutdown). */
  idle(): Promise<void> {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  stats(): TShadowStats {
    return { inFlight: this.#inFlight, started: this.#started, dropped: this.#dropped, failed: this.#failed };
  }
}

/** The runner of engines that were given none (tests, tools). */
export const defaultShadowRunner = new ShadowRunner();
