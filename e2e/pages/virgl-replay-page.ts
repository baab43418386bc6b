/**
 * Replays a recorded virgl trace on the WebGL2 renderer in this page, for
 * tests that compare its frames and readbacks with the reference renderer's
 * and for `npm run replay`. The pictures stay in the page and are fetched one
 * at a time, compressed: a guest's frames can be large (glmark2 draws at
 * 1920x1200). e2e/virgl-replay-client.ts drives this page from Node.
 */
import { WebGL2Surface } from '../../src/presenters/webgl2-surface.ts';
import { WebGL2VirglRenderer } from '../../src/renderers/webgl2/virgl-renderer.ts';
import type { Picture } from '../../src/trace/replay-pictures.ts';
import { replayTrace, type CommandCount, type RecordCounts, type ReplayTotals, type VirglCount } from '../../src/trace/trace-replayer.ts';
import { base64 } from './base64.ts';

export interface ReplayedPicture {
  name: string;
  width: number;
  height: number;
  kind: 'frame' | 'readback';
}

export interface PageReplayOptions {
  /** Count the virgl commands of the streams, as the reference's --stats does. */
  stats?: boolean;
  /**
   * Hand each picture to `window.onVirglPicture` as it is taken, and drop it
   * once that has settled: a long trace's pictures never all sit in the page.
   */
  stream?: boolean;
  /**
   * Show every frame also as a scanout on the WebGL2 backend does: drawn by a
   * surface on the renderer's own context from the resource's texture (what
   * the GPU worker does with one scanout), read back from the surface and
   * compared with the frame's readback (its RGB: a scanout shows no alpha).
   */
  checkPresents?: boolean;
}

/** Frames shown by the surface: how many, and those whose RGB differs from the readback. */
export interface PresentCheck {
  frames: number;
  differing: { resourceId: number; frame: number; pixels: number }[];
}

export interface PageReplay {
  /** Frames and readbacks in the order the trace made them; fetch each with virglPicture(index) (streamed: only while it is handed out). */
  pictures: ReplayedPicture[];
  /** The replayer's notes by kind, as the reference counts them. */
  notes: Record<string, number>;
  /** By the reference's command names, in the order first seen. */
  commands: Record<string, CommandCount>;
  totals: ReplayTotals;
  records: RecordCounts;
  /** With `stats`: the virgl commands of the streams, most frequent first. */
  virgl: VirglCount[];
  /** What the renderer logged: refused commands, shaders it could not translate. */
  log: string[];
  /** What the replayer said: the first note of each kind, the first renderer errors (what the reference prints on stderr). */
  replayLog: string[];
  /** Renderer calls that threw, and pictures it could not give. */
  rendererErrors: number;
  /** The GPU's name, as WebGL reports it. */
  renderer: string;
  /** With `checkPresents`: what the surface showed. */
  presents: PresentCheck | null;
}

/** A streamed picture, handed out under its index for virglPicture. */
export interface TakenPicture extends ReplayedPicture {
  index: number;
}

let rgba: (Uint8Array | undefined)[] = [];

async function replayVirgl(trace: string, options: PageReplayOptions = {}): Promise<PageReplay> {
  const taken = window.onVirglPicture;
  if (options.stream && !taken) throw new Error('a streamed replay needs window.onVirglPicture');
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2', { antialias: false, depth: false, stencil: false, alpha: false });
  if (!gl) throw new Error('no WebGL2 in this browser');
  gl.getExtension('EXT_color_buffer_float');
  const log: string[] = [];
  const replayLog: string[] = [];
  const renderer = new WebGL2VirglRenderer(gl, (message) => log.push(message));
  const surface = options.checkPresents ? new WebGL2Surface(gl.canvas as OffscreenCanvas, gl) : null;
  const presents: PresentCheck | null = surface && { frames: 0, differing: [] };
  const bytes = Uint8Array.from(atob(trace), (c) => c.charCodeAt(0));
  rgba = [];
  const pictures: ReplayedPicture[] = [];
  const result = await replayTrace(bytes, renderer, {
    stats: options.stats ?? false,
    keepPictures: false,
    log: (message) => replayLog.push(message),
    onPicture: async (picture, kind) => {
      if (surface && presents && kind === 'frame') await checkPresent(renderer, surface, presents, picture);
      const index = pictures.length;
      const described = { name: picture.name, width: picture.width, height: picture.height, kind };
      pictures.push(described);
      rgba[index] = picture.rgba;
      if (!options.stream || !taken) return;
      try {
        await taken({ ...described, index });
      } finally {
        rgba[index] = undefined;
      }
    },
  });
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    pictures,
    notes: Object.fromEntries(result.notes),
    commands: Object.fromEntries(result.commands),
    totals: result.totals,
    records: result.records,
    virgl: result.virgl,
    log,
    replayLog,
    rendererErrors: result.totals.rendererErrors,
    renderer: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
    presents,
  };
}

/** Shows a frame's part of its resource on `surface` as the GPU worker does and counts the pixels whose RGB differs from the frame's readback. */
async function checkPresent(renderer: WebGL2VirglRenderer, surface: WebGL2Surface, check: PresentCheck, frame: Picture): Promise<void> {
  if (!frame.source) throw new Error(`frame ${frame.name} did not come from the renderer`);
  const { resourceId, x, y } = frame.source;
  const texture = renderer.picture(resourceId);
  if (!texture) throw new Error(`resource ${resourceId} has no texture to show`);
  surface.resize(frame.width, frame.height);
  surface.uploadPicture(texture, { x, y, width: frame.width, height: frame.height }, 0, 0);
  const shown = await surface.read(null);
  const { rgba } = frame;
  let pixels = 0;
  for (let i = 0; i < rgba.length; i += 4) if (shown.data[i] !== rgba[i] || shown.data[i + 1] !== rgba[i + 1] || shown.data[i + 2] !== rgba[i + 2]) pixels++;
  if (pixels > 0) check.differing.push({ resourceId, frame: check.frames, pixels });
  check.frames++;
}

/** Picture `index` of the last replay: its RGBA8 bytes, rows from the top, zlib-deflated and in base64. */
async function virglPicture(index: number): Promise<string> {
  const picture = rgba[index];
  if (!picture) throw new Error(`no picture ${index}`);
  const deflated = new Blob([picture as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate'));
  return base64(new Uint8Array(await new Response(deflated).arrayBuffer()));
}

declare global {
  interface Window {
    replayVirgl: typeof replayVirgl;
    virglPicture: typeof virglPicture;
    /** Set by the driver (an exposed function) for a streamed replay. */
    onVirglPicture?: (picture: TakenPicture) => Promise<void>;
  }
}
window.replayVirgl = replayVirgl;
window.virglPicture = virglPicture;
