export type LogSink = (message: string) => void;

export interface RateLimit {
  /** Messages allowed in a burst. */
  burst: number;
  /** Messages regained per second. */
  perSecond: number;
}

export const DEFAULT_LOG_RATE: RateLimit = { burst: 20, perSecond: 2 };

/**
 * A log a guest cannot flood: a token bucket; what it drops is counted and
 * reported with the next message that gets through.
 */
export function rateLimitedLog(sink: LogSink, { burst, perSecond }: RateLimit = DEFAULT_LOG_RATE, now: () => number = Date.now): LogSink {
  let tokens = burst;
  let last = now();
  let dropped = 0;
  return (message) => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * perSecond);
    last = t;
    if (tokens < 1) {
      dropped++;
      return;
    }
    tokens -= 1;
    sink(dropped > 0 ? `${message} (${dropped} earlier messages suppressed)` : message);
    dropped = 0;
  };
}
