/** Timing of a polling loop, in milliseconds. */
export interface PollTiming {
  /** Wait before the second check; the first check is immediate. */
  initialIntervalMs: number;
  /** Upper bound of the wait, which doubles after each check. */
  maxIntervalMs: number;
  /** Time after which polling gives up. */
  timeoutMs: number;
}

/** Creating a change set usually takes seconds. */
export const CHANGE_SET_POLL: PollTiming = {
  initialIntervalMs: 500,
  maxIntervalMs: 5_000,
  timeoutMs: 10 * 60_000,
};

/** Stack operations that replace resources can take many minutes. */
export const STACK_POLL: PollTiming = {
  initialIntervalMs: 1_000,
  maxIntervalMs: 5_000,
  timeoutMs: 60 * 60_000,
};

/**
 * Calls `check` until it returns a value other than undefined, waiting
 * longer after each call. Throws `timeoutMessage` when `timing.timeoutMs`
 * has passed.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  timing: PollTiming,
  timeoutMessage: () => string,
): Promise<T> {
  const deadline = Date.now() + timing.timeoutMs;
  let interval = timing.initialIntervalMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) {
      return result;
    }
    if (Date.now() + interval > deadline) {
      throw new Error(timeoutMessage());
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, timing.maxIntervalMs);
  }
}
