/**
 * Transform feedback (gallium's stream output) in WebGL2.
 *
 * Gallium describes what a vertex shader captures per output: which
 * components of which OUT register go to which buffer, at which dword of a
 * vertex of that buffer. WebGL2 captures named varyings, fixed before the
 * program links, either all of them one after another into one buffer
 * (INTERLEAVED_ATTRIBS) or each into a buffer of its own (SEPARATE_ATTRIBS),
 * and has no way to skip dwords. So the layout is turned into capture
 * varyings of at most four dwords, which the GLSL emitter adds to the vertex
 * shader as flat uint outputs (the guest's bits, untouched): one buffer used
 * becomes an interleaved capture of its dwords in order, several buffers a
 * separate capture of at most four dwords each. Layouts with holes (GL 4's
 * gl_SkipComponents), a buffer of more than four dwords beside others, and
 * vertex streams other than 0 are refused by name.
 *
 * Each draw that captures begins and ends WebGL2's transform feedback by
 * itself, with each target bound at the byte where the guest's target has
 * got to (each target counts what it was given; the executor starts a new
 * list of targets over, as the reference host does), so no transform
 * feedback is ever left active while another guest context or a present uses
 * the shared WebGL2 context.
 * WebGL2 captures only from non-indexed point, line and triangle lists;
 * other draws are drawn without capture, said once. A draw that would
 * overflow a target captures the primitives that fit, as gallium does.
 */
import type { ShaderInfo } from '../../virgl/commands.ts';
import type { BufferResource, GlResources } from './resources.ts';
import type { SubContext } from './sub-context.ts';

/** Dwords a capture varying holds at most (WebGL2's minimum MAX_TRANSFORM_FEEDBACK_SEPARATE_COMPONENTS). */
const VARYING_DWORDS = 4;
/** WebGL2's minimum MAX_TRANSFORM_FEEDBACK_INTERLEAVED_COMPONENTS. */
const MAX_INTERLEAVED_DWORDS = 64;

export interface StreamLayout {
  /** Capture varyings in WebGL2's order; each lists its dwords as OUT register * 4 + component. */
  readonly varyings: readonly (readonly number[])[];
  readonly interleaved: boolean;
  /** WebGL2 binding point i takes the guest's stream-output buffer `buffers[i]`, `vertexBytes[i]` bytes a vertex. */
  readonly buffers: readonly number[];
  readonly vertexBytes: readonly number[];
}

/** The capture layout of a shader's stream output; null when it has none, a string when WebGL2 cannot capture it. */
export function streamLayout(info: ShaderInfo): StreamLayout | string | null {
  if (info.outputCount === 0) return null;
  const dwords = new Map<number, (number | undefined)[]>();
  for (let i = 0; i < info.outputCount; i++) {
    const o = info.outputs[i]!;
    if (o.stream !== 0) return `stream output to vertex stream ${o.stream} (WebGL2 has only stream 0)`;
    if (o.numComponents < 1 || o.startComponent + o.numComponents > 4) return `stream output of components ${o.startComponent}+${o.numComponents} of a register`;
    const stride = info.strides[o.buffer] ?? 0;
    if (stride > MAX_INTERLEAVED_DWORDS) return `stream output of ${stride} dwords a vertex (WebGL2 promises ${MAX_INTERLEAVED_DWORDS})`;
    if (o.dstOffset + o.numComponents > stride) return `stream output at dword ${o.dstOffset} past the ${stride} dwords a vertex of buffer ${o.buffer} has`;
    let slots = dwords.get(o.buffer);
    if (!slots) dwords.set(o.buffer, (slots = new Array<number | undefined>(stride).fill(undefined)));
    for (let c = 0; c < o.numComponents; c++) {
      if (slots[o.dstOffset + c] !== undefined) return `two stream outputs write dword ${o.dstOffset + c} of buffer ${o.buffer}`;
      slots[o.dstOffset + c] = o.registerIndex * 4 + o.startComponent + c;
    }
  }
  const buffers = [...dwords.keys()].sort((a, b) => a - b);
  const vertices = buffers.map((b) => dwords.get(b)!);
  if (vertices.some((slots) => slots.includes(undefined))) return 'stream output that skips dwords of a vertex (WebGL2 captures varyings back to back)';
  const filled = vertices as number[][];
  const interleaved = buffers.length === 1;
  if (!interleaved && filled.some((slots) => slots.length > VARYING_DWORDS)) return `stream output to ${buffers.length} buffers with more than ${VARYING_DWORDS} dwords in one (WebGL2 captures one varying a buffer)`;
  const varyings: number[][] = [];
  for (const slots of filled) for (let i = 0; i < slots.length; i += VARYING_DWORDS) varyings.push(slots.slice(i, i + VARYING_DWORDS));
  return { varyings, interleaved, buffers, vertexBytes: filled.map((slots) => slots.length * 4) };
}

/** A stream-output target object: a range of a buffer resource, and how far captures into it have got. */
export interface StreamTarget {
  readonly resource: number;
  readonly offset: number;
  readonly size: number;
  /** Bytes captured since it was last bound in a new list of targets. */
  written: number;
  /** Bytes a vertex of the last capture into it (what a draw counting from it divides by). */
  vertexBytes: number;
}

/** Vertices a primitive of the list modes WebGL2 captures: POINTS, LINES, TRIANGLES. */
function capturedVertices(mode: number): number {
  return mode === 0 ? 1 : mode === 1 ? 2 : mode === 4 ? 3 : 0;
}

/** What captures have done, for the stream-output queries. */
export interface CaptureCounts {
  /** Primitives written into targets (PRIMITIVES_EMITTED). */
  emitted: number;
  /** Draws that had more primitives than their targets had room for (SO_OVERFLOW_PREDICATE). */
  overflows: number;
}

/** Draws non-indexed vertices with the bound targets capturing what the program lays out. */
export class StreamCapture {
  private readonly feedback: WebGLTransformFeedback;
  /** The bound targets by WebGL2 binding point, for the draw at hand. */
  private readonly bound: StreamTarget[] = [];

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly resources: GlResources,
    private readonly counts: CaptureCounts,
    private readonly once: (what: string) => void,
  ) {
    this.feedback = gl.createTransformFeedback();
  }

  destroy(): void {
    this.gl.deleteTransformFeedback(this.feedback);
  }

  /**
   * drawArraysInstanced(glMode, first, count, instances), capturing into the
   * sub-context's bound targets where the program captures and every buffer
   * it captures into has a target.
   */
  drawArrays(sub: SubContext, layout: StreamLayout | null, mode: number, glMode: number, first: number, count: number, instances: number): void {
    const { gl } = this;
    const vertices = capturedVertices(mode);
    if (!layout || !this.bind(sub, layout)) return gl.drawArraysInstanced(glMode, first, count, instances);
    if (vertices === 0) {
      this.once('transform feedback of a strip, loop or fan: WebGL2 captures only point, line and triangle lists; drawn without capture');
      return gl.drawArraysInstanced(glMode, first, count, instances);
    }
    const perInstance = Math.floor(count / vertices);
    let room = Infinity;
    for (let i = 0; i < this.bound.length; i++) room = Math.min(room, Math.floor(this.room(this.bound[i]!) / (vertices * layout.vertexBytes[i]!)));
    let capturedCount = count;
    let capturedInstances = instances;
    if (perInstance * instances > room) {
      this.counts.overflows++;
      if (instances === 1) capturedCount = room * vertices;
      else capturedInstances = Math.floor(room / perInstance);
    }
    const primitives = Math.floor(capturedCount / vertices) * capturedInstances;
    if (primitives > 0) this.capture(layout, glMode, first, capturedCount, capturedInstances, primitives * vertices);
    this.counts.emitted += primitives;
    if (capturedCount < count) gl.drawArraysInstanced(glMode, first + capturedCount, count - capturedCount, instances);
    else if (capturedInstances < instances) this.once('instances past a full stream-output target are not drawn (WebGL2 cannot start a draw at a later instance)');
  }

  /** Gathers the targets of the layout's buffers into `bound`; false (and said once if some are bound) unless every one has a buffer target. */
  private bind(sub: SubContext, layout: StreamLayout): boolean {
    this.bound.length = 0;
    for (const buffer of layout.buffers) {
      const target = sub.streamTargets.get(sub.boundTargets[buffer] ?? 0);
      if (!target || this.resources.get(target.resource)?.kind !== 'buffer') break;
      this.bound.push(target);
    }
    if (this.bound.length === layout.buffers.length) return true;
    if (this.bound.length > 0 || sub.streamTargetsBound()) this.once('a draw whose stream output has no target for some of its buffers captures nothing');
    return false;
  }

  /** Bytes the target can still take: its size, within its buffer. */
  private room(target: StreamTarget): number {
    const buffer = this.resources.get(target.resource);
    const size = buffer?.kind === 'buffer' ? Math.min(target.size, buffer.bytes.length - target.offset) : 0;
    return Math.max(0, size - target.written);
  }

  private capture(layout: StreamLayout, glMode: number, first: number, count: number, instances: number, vertices: number): void {
    const { gl } = this;
    const { bound } = this;
    gl.bindTransformFeedback(gl.TRANSFORM_FEEDBACK, this.feedback);
    for (let i = 0; i < bound.length; i++) {
      const target = bound[i]!;
      const buffer = this.resources.get(target.resource) as BufferResource;
      gl.bindBufferRange(gl.TRANSFORM_FEEDBACK_BUFFER, i, this.resources.dataBuffer(buffer), target.offset + target.written, vertices * layout.vertexBytes[i]!);
    }
    gl.beginTransformFeedback(glMode);
    gl.drawArraysInstanced(glMode, first, count, instances);
    gl.endTransformFeedback();
    for (let i = 0; i < bound.length; i++) {
      const target = bound[i]!;
      gl.bindBufferBase(gl.TRANSFORM_FEEDBACK_BUFFER, i, null);
      const start = target.offset + target.written;
      target.written += vertices * layout.vertexBytes[i]!;
      target.vertexBytes = layout.vertexBytes[i]!;
      this.resources.gpuWrote(this.resources.get(target.resource) as BufferResource, start, target.offset + target.written);
    }
    gl.bindTransformFeedback(gl.TRANSFORM_FEEDBACK, null);
  }
}
