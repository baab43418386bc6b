/**
 * Replays a recorded virgl trace on the WebGL2 renderer in this page, for
 * tests that compare its frames and readbacks with the reference renderer's.
 */
import { WebGL2VirglRenderer } from '../../src/renderers/webgl2/virgl-renderer.ts';
import { replayTrace } from '../../src/trace/trace-replayer.ts';

export interface ReplayedPicture {
  name: string;
  width: number;
  height: number;
  /** RGBA8, base64. */
  rgba: string;
}

export interface PageReplay {
  frames: ReplayedPicture[];
  readbacks: ReplayedPicture[];
  notes: Record<string, number>;
  /** What the renderer logged: refused commands, shaders it could not translate. */
  log: string[];
  renderer: string;
}

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
  const result = await replayTrace(bytes, renderer, { log: (message) => log.push(message) });
  const picture = (p: { name: string; width: number; height: number; rgba: Uint8Array }): ReplayedPicture => ({ name: p.name, width: p.width, height: p.height, rgba: base64(p.rgba) });
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  return {
    frames: result.frames.map(picture),
    readbacks: result.readbacks.map(picture),
    notes: Object.fromEntries(result.notes),
    log,
    renderer: String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
  };
}

declare global {
  interface Window {
    replayVirgl: typeof replayVirgl;
  }
}
window.replayVirgl = replayVirgl;
