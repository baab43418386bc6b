/** Rates over the last second or so, from counters that only grow: what a stats overlay shows. */

/** Frames, commands and bytes since the start, and their rates over the last second or so. */
export interface GpuStats {
  /** Frames the GPU worker presented since the start, all scanouts together. */
  frames: number;
  commands: number;
  bytesFromGuest: number;
  bytesToGuest: number;
  framesPerSecond: number;
  commandsPerSecond: number;
  /** Bytes per second the device moved in either direction. */
  bytesPerSecond: number;
}

type Totals = Pick<GpuStats, 'frames' | 'commands' | 'bytesFromGuest' | 'bytesToGuest'>;
interface Sample {
  at: number;
  totals: Totals;
}

const SAMPLE_MS = 500;
const KEEP = 3;

/** Samples `read` every half second; `stats()` gives the totals now and the rates over the kept window (1-1.5 s). */
export class StatsMeter {
  private readonly samples: Sample[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly read: () => Totals) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  stats(): GpuStats {
    const now = { at: performance.now(), totals: this.read() };
    const oldest = this.samples[0] ?? now;
    const seconds = (now.at - oldest.at) / 1000;
    const rate = (delta: number): number => (seconds > 0 ? delta / seconds : 0);
    const t = now.totals, o = oldest.totals;
    return {
      ...t,
      framesPerSecond: rate(t.frames - o.frames),
      commandsPerSecond: rate(t.commands - o.commands),
      bytesPerSecond: rate(t.bytesFromGuest + t.bytesToGuest - o.bytesFromGuest - o.bytesToGuest),
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    this.samples.push({ at: performance.now(), totals: this.read() });
    if (this.samples.length > KEEP) this.samples.shift();
  }
}
