/**
 * Replays a recorded virgl trace on the WebGL2 renderer in this page, for
 * tests that compare its frames and readbacks with the reference renderer's.
 * The pictures stay in the page and are fetched one at a time, compressed:
 * a guest's frames can be large (glmark2 draws at 1920x1200).
 */
import { WebGL2VirglRenderer } from '../../src/renderers/webgl2/virgl-renderer.ts';
import { replayTrace } from '../../src/trace/trace-replayer.ts';

export interface ReplayedPicture {
  name: string;
  width: number;
  height: number;
}

export interface PageReplay {
  /** Frames, then readbacks, in the order the trace made them; fetch each with virglPicture(index). */
  pictures: ReplayedPicture[];
  /** The replayer's notes by kind, as the reference counts them. */
  notes: Record<string, number>;
  /** What the renderer logged: refused commands, shaders it could not translate. */
  log: string[];
  /** Renderer calls that threw, and pictures it could not give. */
  rendererErrors: number;
  renderer: string;
}

let rgba: Uint8Array[] = [];

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function replayVirgl(trace: string): Promise<PageReplay> {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2', { antialias: false, depth: false, stencil: false, alpha: false });
  if (!gl) throw new Error('no WebGL2 here');
  gl.getExtension('EXT_color_buffer_float');
  const log: string[] = [];
  const renderer = new WebGL2VirglRenderer(gl, (message) => log.push(message));
  const bytes = Uint8Array.from(atob(trace), (c) => c.charCodeAt(0));
  const result = await replayTrace(bytes, renderer);
  const pictures = [...result.frames, ...result.readbacks];
  rgba = pictures.map((p) => p.rgba);
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    pictures: pictures.map((p) => ({ name: p.name, width: p.width, height: p.height })),
    notes: Object.fromEntries(result.notes),
    log,
    rendererErrors: result.totals.rendererErrors,
    renderer: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
  };
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
  }
}
window.replayVirgl = replayVirgl;
window.virglPicture = virglPicture;
