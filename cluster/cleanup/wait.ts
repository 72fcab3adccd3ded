/** Timing and output of a bounded wait; every field has a default so the destroy hooks can omit them. */
export interface WaitOptions {
  timeoutMs?: number;
  pollIntervalMs?: number;
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** What a wait watches and how it speaks of it. */
export interface GoneWatch<T> {
  /** What is still there; called once at the start and once after every pause. */
  list: () => Promise<T[]>;
  /** How an item is named in the progress line and the timeout message. */
  label: (item: T) => string;
  /** How an item is named in the result and the final line. */
  name: (item: T) => string;
  /** Throws for items that will never go by themselves, so the wait stops at once instead of timing out. */
  blockers?: (remaining: T[]) => void;
  /** Completes the progress line "Waiting for N <description>: …". */
  description: string;
  timeoutError: (remaining: T[], elapsedMs: number, labels: string) => Error;
  /** Logged when nothing was there at the start. */
  noneLeft?: string;
  /** Logged when everything that was there at the start has gone. */
  allGone: (names: string[]) => string;
}

export interface GoneResult {
  /** Names of the items that were there when the wait started. */
  awaited: string[];
  waitedMs: number;
}

export const defaultWaitTimeoutMs = 10 * 60 * 1000;
export const defaultWaitPollIntervalMs = 10 * 1000;

export const logToConsole = (message: string) => console.log(message);
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Lists until nothing is left, pausing between listings and never waiting past the timeout: what the cluster
 * deletes asynchronously must be gone before the resources it depends on are destroyed.
 */
export async function waitUntilGone<T>(watch: GoneWatch<T>, options: WaitOptions): Promise<GoneResult> {
  const log = options.log ?? logToConsole;
  const sleep = options.sleep ?? sleepFor;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? defaultWaitTimeoutMs;
  const pollIntervalMs = options.pollIntervalMs ?? defaultWaitPollIntervalMs;

  const started = now();
  let remaining = await watch.list();
  const awaited = remaining.map((item) => watch.name(item));
  if (remaining.length === 0 && watch.noneLeft !== undefined) log(watch.noneLeft);
  while (remaining.length > 0) {
    watch.blockers?.(remaining);
    const elapsed = now() - started;
    const labels = remaining.map((item) => watch.label(item)).join(', ');
    if (elapsed >= timeoutMs) throw watch.timeoutError(remaining, elapsed, labels);
    log(
      `Waiting for ${remaining.length} ${watch.description}: ` +
        `${labels} (${Math.round(elapsed / 1000)}s of ${Math.round(timeoutMs / 1000)}s)`,
    );
    await sleep(Math.min(pollIntervalMs, Math.max(timeoutMs - elapsed, 0)));
    remaining = await watch.list();
  }
  if (awaited.length > 0) log(watch.allGone(awaited));
  return { awaited, waitedMs: now() - started };
}
