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
  /** The guest's 3D, when virgl is offered. */
  threeD: ThreeDStats | null;
}

export interface ThreeDStats {
  /** The GPU the virgl renderer draws with, as WebGL2 names it. */
  renderer: string;
  /** The capsets the device offers, e.g. `virgl2 (version 2)`. */
  capsets: readonly string[];
  /** Draw calls the renderer made for the guest since the start. */
  draws: number;
  drawsPerSecond: number;
  /** Bytes the guest's 3D resources take in the renderer now (counted against `maxHostBytes`). */
  gpuBytes: number;
}

/** Counters that only grow, and the 3D resources' bytes now. */
interface Totals {
  frames: number;
  commands: number;
  bytesFromGuest: number;
  bytesToGuest: number;
  draws: number;
  gpuBytes: number;
}
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

  constructor(
    private readonly read: () => Totals,
    private readonly threeD: Pick<ThreeDStats, 'renderer' | 'capsets'> | null,
  ) {
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
      frames: t.frames,
      commands: t.commands,
      bytesFromGuest: t.bytesFromGuest,
      bytesToGuest: t.bytesToGuest,
      framesPerSecond: rate(t.frames - o.frames),
      commandsPerSecond: rate(t.commands - o.commands),
      bytesPerSecond: rate(t.bytesFromGuest + t.bytesToGuest - o.bytesFromGuest - o.bytesToGuest),
      threeD: this.threeD && { ...this.threeD, draws: t.draws, drawsPerSecond: rate(t.draws - o.draws), gpuBytes: t.gpuBytes },
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
