/**
 * The VM thread's side of the GPU worker: a Presenter whose drawing happens in
 * a dedicated Worker. It remembers what it has shown (resources, scanouts,
 * cursors: views of shared memory, no pixel copies), so that when the worker
 * dies it starts a new one on fresh canvases and shows everything again; the
 * device and the guest never notice.
 */
import * as Comlink from 'comlink';
import type { GpuWorkerApi } from '../../worker/gpu-worker.ts';
import type { Backend, BackendChoice } from './backends.ts';
import type { Capture, CursorImage, Presenter, Rect, ResourceImage, ScanoutSource } from './presenter.ts';
import { changed, createMailboxMemory, DamagePoster } from './damage-mailbox.ts';

type Canvas = HTMLCanvasElement | OffscreenCanvas;

export interface WorkerPresenterOptions {
  /** One canvas per scanout, in scanout order. Each is transferred to the worker. Page canvases can be replaced after a worker crash; OffscreenCanvas ones cannot. */
  canvases: readonly Canvas[];
  /** Default 'auto': WebGPU, else WebGL2, else canvas 2D (WebGL2 first with `virgl`). */
  backend?: BackendChoice;
  /**
   * The virgl renderer will run in the worker: with one scanout, 'auto'
   * prefers WebGL2, whose context the renderer shares so that its frames are
   * shown with no copy (on any GPU, software ones too).
   */
  virgl?: boolean;
  /** Makes the worker, when the embedder builds it differently (it must run worker/gpu-worker.ts). */
  createWorker?: () => Worker;
  /** How often the worker's liveness is checked, and how long an answer may take. Default 1000 / 3000 ms. */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** Told after the worker presented a frame of scanout `index` (at most one per animation frame; many flushes may go into it). */
  onPresent?: (index: number) => void;
  /** Told about each recovery (a new worker, or a new GPU device inside the worker). */
  onRecovery?: (what: string) => void;
}

interface CursorState {
  image: CursorImage | null;
  x: number;
  y: number;
  visible: boolean;
}

/**
 * How long a blob scanout's copy waits for the worker to read the previous
 * one: about three frames, what Linux itself waits for a flush's fence.
 */
const UNREAD_LIMIT_MS = 50;

function defaultWorker(): Worker {
  return new Worker(new URL('../../worker/gpu-worker.ts', import.meta.url), { type: 'module', name: 'virtio-gpu-web' });
}

export class WorkerPresenter implements Presenter {
  readonly needsSharedPixels = true;
  /** Recoveries so far: worker restarts, plus GPU devices replaced and 3D renderer contexts restored inside the worker. */
  recoveries = 0;
  private workerRestarts = 0;
  private gpuRecoveries = 0;
  /** Recoveries the current worker has reported (its own counts start at 0): of its GPU device, and of the 3D renderer's WebGL2 context. */
  private readonly seenInWorker = { recoveries: 0, virglRecoveries: 0 };
  private remote!: Comlink.Remote<GpuWorkerApi>;
  private current!: Worker;
  private died!: Promise<void>;
  private declareDead!: () => void;
  private ready: Promise<void> = Promise.resolve();
  private closed = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly resources = new Map<number, ResourceImage>();
  private readonly restartHooks: ((worker: Comlink.Remote<GpuWorkerApi>) => Promise<void>)[] = [];
  private readonly sources = new Map<number, ScanoutSource | null>();
  private readonly cursors = new Map<number, CursorState>();
  /** Frames the worker has presented, per scanout; shared so the page can read it without asking. */
  private readonly presents: Int32Array<SharedArrayBuffer>;
  private readonly mailbox: Int32Array<SharedArrayBuffer>;
  private readonly damage: DamagePoster;

  private constructor(
    private canvases: Canvas[],
    private readonly options: WorkerPresenterOptions,
    public backend: Backend,
    public notes: readonly string[],
  ) {
    this.presents = new Int32Array(new SharedArrayBuffer(4 * canvases.length));
    this.mailbox = createMailboxMemory(canvases.length);
    this.damage = new DamagePoster(this.mailbox);
  }

  static async create(options: WorkerPresenterOptions): Promise<WorkerPresenter> {
    if (typeof SharedArrayBuffer === 'undefined' || (typeof crossOriginIsolated !== 'undefined' && !crossOriginIsolated)) {
      throw new Error(
        'virtio-gpu-web: the GPU worker shares resource pixels through SharedArrayBuffer, which needs a cross-origin isolated page: ' +
          "serve it with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'",
      );
    }
    if (!options?.canvases?.length) throw new TypeError('virtio-gpu-web: createWorkerPresenter needs { canvases: [one canvas per scanout] }');
    const presenter = new WorkerPresenter([...options.canvases], options, 'canvas2d', []);
    const { backend, notes } = await presenter.start(options.backend ?? 'auto');
    presenter.backend = backend;
    presenter.notes = notes;
    presenter.watch();
    if (options.onPresent) for (let i = 0; i < presenter.canvases.length; i++) void presenter.reportPresents(i, options.onPresent);
    return presenter;
  }

  /** The worker now drawing (a test may terminate it to play a crash). */
  get worker(): Worker {
    return this.current;
  }

  /** The canvases now shown: after a worker restart, the replacements of the originals. */
  get elements(): readonly Canvas[] {
    return this.canvases;
  }

  createResource(id: number, image: ResourceImage): Promise<void> {
    this.resources.set(id, image);
    return this.call((r) => r.createResource(id, image));
  }

  destroyResource(id: number): Promise<void> {
    this.resources.delete(id);
    return this.call((r) => r.destroyResource(id));
  }

  setScanout(index: number, source: ScanoutSource | null): Promise<void> {
    this.sources.set(index, source);
    return this.call((r) => r.setScanout(index, source));
  }

  /** Posts the damage to the worker's mailbox: the pixels sit in shared memory, and no message is sent per flush. */
  flush(index: number, rect: Rect): void {
    this.damage.post(index, rect);
  }

  /** Null once the worker has uploaded the damage of every post to scanout `index` (it uploads once per frame shown); else waits for that, at most UNREAD_LIMIT_MS. */
  unread(index: number): Promise<void> | null {
    return this.damage.unread(index, UNREAD_LIMIT_MS);
  }

  /** Resolves once what was flushed so far is on the canvas. */
  whenPresented(index: number): Promise<void> {
    return this.call((r) => r.whenPresented(index));
  }

  /** Frames presented on scanout `index` so far (a counter that only grows; restarts keep it). */
  framesPresented(index: number): number {
    return index >= 0 && index < this.presents.length ? Atomics.load(this.presents, index) : 0;
  }

  setCursor(index: number, image: CursorImage | null, x: number, y: number): Promise<void> {
    this.cursors.set(index, { image, x, y, visible: image !== null });
    return this.call((r) => r.setCursor(index, image, x, y));
  }

  moveCursor(index: number, x: number, y: number, visible: boolean): Promise<void> {
    const cursor = this.cursors.get(index);
    if (cursor) Object.assign(cursor, { x, y, visible });
    return this.call((r) => r.moveCursor(index, x, y, visible));
  }

  async capture(index: number): Promise<Capture> {
    for (;;) {
      await this.ready;
      const died = this.died;
      const result = await Promise.race([this.remote.capture(index), died.then(() => null)]);
      if (result) return result;
    }
  }

  /** Fault injection for tests: the worker destroys its WebGPU device, as a GPU reset would. */
  loseGpuDevice(): Promise<boolean> {
    return this.remote.loseGpuDevice();
  }

  destroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    return this.call((r) => r.destroy());
  }

  /** Stops the worker; the canvases go with it. */
  terminate(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.current.terminate();
  }

  private async reportPresents(index: number, onPresent: (index: number) => void): Promise<void> {
    for (let seen = this.framesPresented(index); !this.closed; ) {
      await changed(this.presents, index, seen);
      seen = this.framesPresented(index);
      if (!this.closed) onPresent(index);
    }
  }

  /** The GPU worker now running (another one after a crash), for work beyond presenting: the virgl renderer. */
  get gpuWorker(): Comlink.Remote<GpuWorkerApi> {
    return this.remote;
  }

  /** Forwards a call; a call to a worker that dies first is dropped (the new worker gets the state replayed). */
  private async call(send: (remote: Comlink.Remote<GpuWorkerApi>) => Promise<void>): Promise<void> {
    await this.ready;
    await Promise.race([send(this.remote), this.died]);
  }

  private async start(choice: BackendChoice): Promise<{ backend: Backend; notes: string[] }> {
    const offscreen = this.canvases.map((canvas, i) => {
      if (typeof OffscreenCanvas !== 'undefined' && canvas instanceof OffscreenCanvas) return canvas;
      try {
        return (canvas as HTMLCanvasElement).transferControlToOffscreen();
      } catch (error) {
        throw new Error(`virtio-gpu-web: canvases[${i}] cannot be transferred to the GPU worker (it already has a context or was transferred before): ${String(error)}`);
      }
    });
    const worker = (this.options.createWorker ?? defaultWorker)();
    this.current = worker;
    this.remote = Comlink.wrap<GpuWorkerApi>(worker);
    this.died = new Promise((resolve) => (this.declareDead = resolve));
    worker.addEventListener('error', () => this.lost('the worker failed'));
    try {
      return await this.remote.init(Comlink.transfer(offscreen, offscreen), choice, this.presents, this.mailbox, this.options.virgl ?? false);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  private watch(): void {
    const every = this.options.heartbeatMs ?? 1000;
    const patience = this.options.heartbeatTimeoutMs ?? 3000;
    let waiting = false;
    this.heartbeat = setInterval(() => {
      if (waiting || this.closed) return;
      waiting = true;
      const worker = this.current;
      const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), patience));
      void Promise.race([this.remote.ping(), timeout]).then((answer) => {
        waiting = false;
        if (worker !== this.current) return;
        if (!answer) return this.lost(`no answer for ${patience} ms`);
        this.counted(answer, 'recoveries', 'the GPU device was lost; the worker draws on a new one');
        this.counted(answer, 'virglRecoveries', "the 3D renderer's WebGL2 context was lost; its guest contexts and resources were made again, empty");
      });
    }, every);
  }

  private counted(answer: typeof this.seenInWorker, count: keyof typeof this.seenInWorker, what: string): void {
    if (answer[count] <= this.seenInWorker[count]) return;
    this.gpuRecoveries += answer[count] - this.seenInWorker[count];
    this.seenInWorker[count] = answer[count];
    this.recovered(what);
  }

  /** Has `hook` make its own state again in each worker that replaces a dead one, before the scanouts are shown again. */
  onRestart(hook: (worker: Comlink.Remote<GpuWorkerApi>) => Promise<void>): void {
    this.restartHooks.push(hook);
  }

  /** The worker is gone: start another on fresh canvases and show everything again. */
  private lost(why: string): void {
    if (this.closed) return;
    const dead = this.current;
    this.declareDead();
    this.ready = (async () => {
      dead.terminate();
      this.canvases = this.canvases.map(replaceCanvas);
      await this.start(this.backend);
      this.seenInWorker.recoveries = 0;
      this.seenInWorker.virglRecoveries = 0;
      const remote = this.remote;
      // Before the resources: the 3D renderer must be there to hear of the displayable ones.
      for (const hook of this.restartHooks) await hook(remote);
      for (const [id, image] of this.resources) await remote.createResource(id, image);
      for (const [index, source] of this.sources) await remote.setScanout(index, source);
      for (const [index, c] of this.cursors) {
        await remote.setCursor(index, c.image, c.x, c.y);
        if (!c.visible) await remote.moveCursor(index, c.x, c.y, false);
      }
      this.workerRestarts++;
      this.recovered(`the GPU worker stopped (${why}); a new one shows the scanouts again`);
    })();
  }

  private recovered(what: string): void {
    this.recoveries = this.workerRestarts + this.gpuRecoveries;
    console.warn(`virtio-gpu-web: ${what}`);
    this.options.onRecovery?.(what);
  }
}

/** A fresh canvas in place of one that went to a dead worker, keeping what the page styles and finds it by. */
function replaceCanvas(canvas: Canvas): Canvas {
  if (typeof HTMLCanvasElement === 'undefined' || !(canvas instanceof HTMLCanvasElement)) {
    throw new Error('virtio-gpu-web: the GPU worker died and its OffscreenCanvas cannot be given to another; pass page canvases to recover');
  }
  const fresh = canvas.ownerDocument.createElement('canvas');
  for (const { name, value } of Array.from(canvas.attributes)) fresh.setAttribute(name, value);
  canvas.replaceWith(fresh);
  return fresh;
}

export function createWorkerPresenter(options: WorkerPresenterOptions): Promise<WorkerPresenter> {
  return WorkerPresenter.create(options);
}
