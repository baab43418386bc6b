/**
 * One DRAW_VBO in WebGL2: the sub-context's bound state becomes GL state
 * (blend, depth and stencil, rasterizer, viewport and scissor), its vertex
 * elements and buffers a vertex array, its constants and uniform buffers
 * uniform blocks, its sampler views and states texture units, and its
 * shaders a program; then the draw. Orientation follows the reference host:
 * a negative viewport height (a window-system framebuffer) is drawn with the
 * program's y flipped, so textures keep gallium's row order and every draw
 * sees gallium's rows; the front face follows from that (gallium-gl.ts).
 */
import type { DrawInfo } from '../../virgl/commands.ts';
import { blendFactor, blendFunc, compareFunc, cullFace, frontFace, primitiveMode, stencilOp } from './gallium-gl.ts';
import type { LinkedProgram, ProgramCache } from './programs.ts';
import { primitivesOf } from './queries.ts';
import type { BufferResource, GlResources } from './resources.ts';
import { StreamCapture, type CaptureCounts } from './stream-output.ts';
import type { SubContext } from './sub-context.ts';
import { vertexFormat } from './vertex-formats.ts';

const INDEX_TYPES: Readonly<Record<number, number>> = { 1: 0x1401, 2: 0x1403, 4: 0x1405 };
/** WebGL2 restarts primitives at the largest index of the index type, always (and nowhere else). */
const RESTART_OF: Readonly<Record<number, number>> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };
/** Reports remembered; past it they are forgotten, so a guest varying its mistakes cannot grow the set without end. */
const REPORTED_LIMIT = 256;
/** WebGL2's largest vertex stride. */
const MAX_STRIDE = 255;

/** What the drawers of one renderer did, for stats. */
export interface DrawCounts {
  /** Draw calls that reached GL. */
  draws: number;
}

export class Drawer {
  /** Uniform buffers holding each stage's constants, by stage. */
  private readonly constantBuffers: WebGLBuffer[] = [];
  private readonly constantBytes: number[] = [];
  private enabledAttributes = 0;
  /** Primitives of the draws that reached GL, as PRIMITIVES_GENERATED counts them. */
  primitives = 0;
  /** Primitives captured and draws that overflowed their stream-output targets. */
  readonly captured: CaptureCounts = { emitted: 0, overflows: 0 };
  private readonly capture: StreamCapture;
  /** Indices with a restart index WebGL2 does not have, rewritten (see bindRestartedIndices). */
  private restartIndices: WebGLBuffer | null = null;
  private restartBytes = 0;
  private restartScratch = new ArrayBuffer(0);
  /** What was already reported (state WebGL2 cannot draw, draws skipped), so each is said once. */
  private readonly unsupported = new Set<string>();
  private readonly maxAttributes: number;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly resources: GlResources,
    private readonly programs: ProgramCache,
    private readonly log: (message: string) => void,
    private readonly counts: DrawCounts,
  ) {
    this.maxAttributes = gl.getParameter(gl.MAX_VERTEX_ATTRIBS) as number;
    this.capture = new StreamCapture(gl, resources, this.captured, (what) => this.once(what));
  }

  /** Frees what the drawer made in GL. */
  destroy(): void {
    for (const buffer of this.constantBuffers) this.gl.deleteBuffer(buffer);
    this.gl.deleteBuffer(this.restartIndices);
    this.capture.destroy();
  }

  draw(sub: SubContext, draw: DrawInfo): void {
    const { gl } = this;
    const mode = primitiveMode(draw.mode);
    const count = this.vertexCount(sub, draw);
    if (mode === undefined || count === 0 || draw.instanceCount === 0) return;
    const flipY = sub.viewport.scaleY < 0;
    const linked = this.programs.forDraw(sub, this.resources, draw.mode, flipY);
    if (!linked) return;
    gl.useProgram(linked.program);
    this.setDrawUniforms(sub, draw, linked);
    this.applyState(sub);
    if (!this.bindUniforms(sub, linked) || !this.bindTextures(sub, linked)) return;
    gl.bindVertexArray(sub.vertexArray);
    if (!this.bindVertices(sub, draw)) return gl.bindVertexArray(null);
    if (draw.indexed) {
      const { resource, indexSize, offset } = sub.indexBuffer;
      const buffer = this.resources.get(resource);
      const type = INDEX_TYPES[indexSize];
      if (buffer?.kind !== 'buffer' || type === undefined) {
        gl.bindVertexArray(null);
        return this.once(`an indexed draw without an index buffer (resource ${resource}); skipped`);
      }
      // The indices start at the index buffer's offset: the guest folds the draw's start into it, and the reference host ignores start too.
      if (offset % indexSize !== 0 || offset + count * indexSize > buffer.bytes.length) {
        gl.bindVertexArray(null);
        return this.once(`${count} indices of ${indexSize} bytes at offset ${offset} do not fit in resource ${resource} (${buffer.bytes.length} bytes) or are misaligned; skipped`);
      }
      if (linked.stream && sub.streamTargetsBound()) this.once('transform feedback of an indexed draw: WebGL2 captures only non-indexed draws; drawn without capture');
      const restart = RESTART_OF[indexSize]!;
      let first = offset;
      if (draw.primitiveRestart && draw.restartIndex !== restart && draw.restartIndex < restart) {
        this.bindRestartedIndices(buffer, offset, count, indexSize, draw.restartIndex);
        first = 0;
      } else this.resources.bindIndexBuffer(buffer);
      this.counted(draw.mode, count, draw.instanceCount);
      gl.drawElementsInstanced(mode, count, type, first, draw.instanceCount);
    } else {
      this.counted(draw.mode, count, draw.instanceCount);
      this.capture.drawArrays(sub, linked.stream, draw.mode, mode, draw.start, count, draw.instanceCount);
    }
    gl.bindVertexArray(null);
  }

  /**
   * WebGL2 restarts primitives only at the largest index of the type: the draw's indices are copied
   * into an index buffer of the drawer's with the guest's restart index made that one, and bound.
   */
  private bindRestartedIndices(buffer: BufferResource, offset: number, count: number, indexSize: number, restartIndex: number): void {
    const { gl } = this;
    const bytes = count * indexSize;
    if (this.restartScratch.byteLength < bytes) this.restartScratch = new ArrayBuffer(Math.max(bytes, this.restartScratch.byteLength * 2));
    const source = this.resources.bytesOf(buffer);
    const copy = new Uint8Array(this.restartScratch, 0, bytes);
    copy.set(source.subarray(offset, offset + bytes));
    const indices = indexSize === 1 ? copy : indexSize === 2 ? new Uint16Array(this.restartScratch, 0, count) : new Uint32Array(this.restartScratch, 0, count);
    const restart = RESTART_OF[indexSize]!;
    for (let i = 0; i < count; i++) if (indices[i] === restartIndex) indices[i] = restart;
    this.restartIndices ??= gl.createBuffer();
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, this.restartIndices);
    if (this.restartBytes < bytes) {
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, this.restartScratch.byteLength, gl.STREAM_DRAW);
      this.restartBytes = this.restartScratch.byteLength;
    }
    gl.bufferSubData(gl.ELEMENT_ARRAY_BUFFER, 0, copy);
  }

  /** The draw's vertex count: its own, or what a stream-output target holds (DrawTransformFeedback). */
  private vertexCount(sub: SubContext, draw: DrawInfo): number {
    if (draw.countFromStreamOutput === 0) return draw.count;
    const target = sub.streamTargets.get(draw.countFromStreamOutput);
    if (!target || draw.indexed) {
      this.once(`a draw counting from stream-output target ${draw.countFromStreamOutput}, ${target ? 'indexed' : 'which does not exist'}; skipped`);
      return 0;
    }
    return target.vertexBytes > 0 ? Math.floor(target.written / target.vertexBytes) : 0;
  }

  /** A draw that reaches GL. */
  private counted(mode: number, count: number, instances: number): void {
    this.counts.draws++;
    this.primitives += primitivesOf(mode, count) * instances;
  }

  private applyState(sub: SubContext): void {
    const { gl } = this;
    const blend = sub.blends.get(sub.blend);
    const target = blend?.targets[0];
    if (target?.blendEnable) {
      gl.enable(gl.BLEND);
      gl.blendFuncSeparate(blendFactor(target.rgbSrcFactor), blendFactor(target.rgbDstFactor), blendFactor(target.alphaSrcFactor), blendFactor(target.alphaDstFactor));
      gl.blendEquationSeparate(blendFunc(target.rgbFunc), blendFunc(target.alphaFunc));
    } else gl.disable(gl.BLEND);
    const mask = target?.colorMask ?? 0xf;
    gl.colorMask((mask & 1) !== 0, (mask & 2) !== 0, (mask & 4) !== 0, (mask & 8) !== 0);
    gl.blendColor(...sub.blendColor);

    const dsa = sub.dsas.get(sub.dsa);
    if (dsa?.depthEnabled) {
      gl.enable(gl.DEPTH_TEST);
      gl.depthFunc(compareFunc(dsa.depthFunc));
    } else gl.disable(gl.DEPTH_TEST);
    gl.depthMask(dsa?.depthWriteMask ?? false);
    const [front, back] = dsa?.stencil ?? [];
    if (front?.enabled) {
      gl.enable(gl.STENCIL_TEST);
      const backFace = back?.enabled ? back : front;
      for (const [face, state, ref] of [[gl.FRONT, front, sub.stencilRef[0]], [gl.BACK, backFace, back?.enabled ? sub.stencilRef[1] : sub.stencilRef[0]]] as const) {
        gl.stencilFuncSeparate(face, compareFunc(state.func), ref, state.valueMask);
        gl.stencilOpSeparate(face, stencilOp(state.failOp), stencilOp(state.zfailOp), stencilOp(state.zpassOp));
        gl.stencilMaskSeparate(face, state.writeMask);
      }
    } else gl.disable(gl.STENCIL_TEST);

    const rasterizer = sub.rasterizers.get(sub.rasterizer);
    const cull = rasterizer ? cullFace(rasterizer.cullFace) : null;
    if (cull === null) gl.disable(gl.CULL_FACE);
    else {
      gl.enable(gl.CULL_FACE);
      gl.cullFace(cull);
    }
    gl.frontFace(frontFace(rasterizer?.frontCcw ?? true));
    if (rasterizer?.offsetTri) {
      gl.enable(gl.POLYGON_OFFSET_FILL);
      gl.polygonOffset(rasterizer.offsetScale, rasterizer.offsetUnits);
    } else gl.disable(gl.POLYGON_OFFSET_FILL);
    if (rasterizer?.rasterizerDiscard) gl.enable(gl.RASTERIZER_DISCARD);
    else gl.disable(gl.RASTERIZER_DISCARD);
    if (rasterizer?.scissor) {
      gl.enable(gl.SCISSOR_TEST);
      const s = sub.scissor;
      gl.scissor(s.minX, s.minY, Math.max(0, s.maxX - s.minX), Math.max(0, s.maxY - s.minY));
    } else gl.disable(gl.SCISSOR_TEST);
    if (rasterizer) {
      gl.lineWidth(Math.max(1, rasterizer.lineWidth));
      if (rasterizer.polyStippleEnable) this.once('polygon stipple is not drawn');
      if (rasterizer.flatshadeFirst) this.once('flat shading takes the last vertex (WebGL2 has no first-vertex convention)');
    }

    const v = sub.viewport;
    const width = Math.abs(v.scaleX) * 2;
    const height = Math.abs(v.scaleY) * 2;
    gl.viewport(Math.round(v.translateX - width / 2), Math.round(v.translateY - height / 2), Math.round(width), Math.round(height));
    gl.depthRange(v.translateZ - v.scaleZ, v.translateZ + v.scaleZ);
  }

  private once(what: string): void {
    if (this.unsupported.has(what)) return;
    if (this.unsupported.size >= REPORTED_LIMIT) this.unsupported.clear();
    this.unsupported.add(what);
    this.log(`virgl: ${what}`);
  }

  /** The uniforms the translation adds for draw state the guest's shader takes from fixed function. */
  private setDrawUniforms(sub: SubContext, draw: DrawInfo, linked: LinkedProgram): void {
    const { gl } = this;
    if (linked.fbHeight) {
      const surface = sub.surfaces.get(sub.cbufs[0]!) ?? sub.surfaces.get(sub.zsurf);
      const resource = surface && this.resources.get(surface.resource);
      gl.uniform1f(linked.fbHeight, resource?.kind === 'texture' ? Math.max(1, resource.params.height >> surface!.level) : 0);
    }
    if (linked.pointSize) gl.uniform1f(linked.pointSize, sub.rasterizers.get(sub.rasterizer)?.pointSize ?? 1);
    if (linked.baseVertex) gl.uniform1i(linked.baseVertex, draw.indexed ? draw.indexBias : 0);
    if (linked.clipPlanes) gl.uniform4fv(linked.clipPlanes, sub.clipPlanes);
    if (linked.alphaRef) gl.uniform1f(linked.alphaRef, sub.dsas.get(sub.dsa)?.alphaRef ?? 0);
  }

  /** Each uniform block the program reads: the stage's constants from their own buffer, uniform buffers from the guest's buffer resources. */
  private bindUniforms(sub: SubContext, linked: LinkedProgram): boolean {
    const { gl } = this;
    for (let binding = 0; binding < linked.blocks.length; binding++) {
      const { stage, index, bytes } = linked.blocks[binding]!;
      const bindings = sub.stages[stage]!;
      if (index === 0) {
        gl.bindBufferBase(gl.UNIFORM_BUFFER, binding, this.constants(stage, bindings.constants, bindings.constantDwords, bytes, bindings.constantsChanged));
        bindings.constantsChanged = false;
        continue;
      }
      const ubo = bindings.uniformBuffers[index];
      const buffer = ubo && this.resources.get(ubo.resource);
      if (!ubo || buffer?.kind !== 'buffer' || ubo.offset + bytes > buffer.bytes.length) {
        this.once(`uniform block ${index} of stage ${stage} has no buffer of ${bytes} bytes bound; draw skipped`);
        return false;
      }
      gl.bindBufferRange(gl.UNIFORM_BUFFER, binding, this.resources.dataBuffer(buffer), ubo.offset, bytes);
    }
    return true;
  }

  /** The uniform buffer with a stage's constants, at least `bytes` long (zeros past what the guest set). */
  private constants(stage: number, dwords: Uint32Array, count: number, bytes: number, changed: boolean): WebGLBuffer {
    const { gl } = this;
    let buffer = this.constantBuffers[stage];
    if (!buffer) buffer = this.constantBuffers[stage] = gl.createBuffer();
    gl.bindBuffer(gl.UNIFORM_BUFFER, buffer);
    const size = Math.max(bytes, count * 4, 16);
    if ((this.constantBytes[stage] ?? 0) < size) {
      gl.bufferData(gl.UNIFORM_BUFFER, size, gl.DYNAMIC_DRAW);
      this.constantBytes[stage] = size;
      changed = true;
    }
    if (changed && count > 0) gl.bufferSubData(gl.UNIFORM_BUFFER, 0, dwords, 0, count);
    gl.bindBuffer(gl.UNIFORM_BUFFER, null);
    return buffer;
  }

  private bindTextures(sub: SubContext, linked: LinkedProgram): boolean {
    const { gl } = this;
    for (let unit = 0; unit < linked.textures.length; unit++) {
      const { stage, view: viewSlot, sampler: samplerSlot } = linked.textures[unit]!;
      const bindings = sub.stages[stage]!;
      const view = sub.views.get(bindings.views[viewSlot] ?? 0);
      const texture = view && this.resources.get(view.resource);
      const sampler = sub.samplers.get(bindings.samplers[samplerSlot] ?? 0);
      if (!view || texture?.kind !== 'texture') {
        this.once(`sampler view ${viewSlot} of stage ${stage} is not a texture; draw skipped`);
        return false;
      }
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(texture.target, texture.texture);
      gl.texParameteri(texture.target, gl.TEXTURE_BASE_LEVEL, Math.min(view.firstLevel, texture.levels - 1));
      gl.texParameteri(texture.target, gl.TEXTURE_MAX_LEVEL, Math.min(view.lastLevel, texture.levels - 1));
      gl.bindSampler(unit, sampler?.sampler ?? null);
    }
    gl.activeTexture(gl.TEXTURE0);
    return true;
  }

  /** Points attribute i at vertex element i's buffer; a stride of 0 (one value for every vertex) becomes a constant attribute. */
  private bindVertices(sub: SubContext, draw: DrawInfo): boolean {
    const { gl } = this;
    const elements = sub.vertexElements.get(sub.elements) ?? [];
    const count = Math.min(elements.length, this.maxAttributes);
    for (let i = 0; i < count; i++) {
      const element = elements[i]!;
      const binding = sub.vertexBuffers[element.bufferIndex];
      const buffer = binding && this.resources.get(binding.resource);
      const format = vertexFormat(element.format);
      if (!binding || buffer?.kind !== 'buffer' || !format) {
        this.once(`vertex element ${i} has ${format ? `no buffer (slot ${element.bufferIndex})` : `format ${element.format}, which WebGL2 cannot fetch`}; draw skipped`);
        return false;
      }
      // Base vertex (index_bias) moves every per-vertex attribute instead: WebGL2 has no base vertex.
      const bias = draw.indexed && element.instanceDivisor === 0 ? draw.indexBias * binding.stride : 0;
      const offset = binding.offset + element.srcOffset + bias;
      if (offset < 0 || binding.stride > MAX_STRIDE) {
        this.once(`vertex element ${i} at offset ${offset} with stride ${binding.stride}: WebGL2 cannot fetch it; draw skipped`);
        return false;
      }
      if (binding.stride === 0) {
        gl.disableVertexAttribArray(i);
        this.constantAttribute(i, this.resources.bytesOf(buffer), offset, format.integer);
        continue;
      }
      gl.enableVertexAttribArray(i);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.resources.dataBuffer(buffer));
      if (format.integer) gl.vertexAttribIPointer(i, format.size, format.type, binding.stride, offset);
      else gl.vertexAttribPointer(i, format.size, format.type, format.normalized, binding.stride, offset);
      gl.vertexAttribDivisor(i, element.instanceDivisor);
    }
    for (let i = count; i < this.enabledAttributes; i++) gl.disableVertexAttribArray(i);
    this.enabledAttributes = count;
    gl.bindBuffer(gl.ARRAY_BUFFER, null);
    return true;
  }

  /** One value for every vertex: read from the buffer's bytes (16 at most, past the end reads as 0). */
  private constantAttribute(index: number, bytes: Uint8Array, offset: number, integer: 'int' | 'uint' | null): void {
    const value = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const word = (n: number): number => (offset + n * 4 + 4 <= bytes.length ? value.getUint32(offset + n * 4, true) : 0);
    const words = [word(0), word(1), word(2), word(3)];
    if (integer === 'uint') this.gl.vertexAttribI4ui(index, words[0]!, words[1]!, words[2]!, words[3]!);
    else if (integer === 'int') this.gl.vertexAttribI4i(index, words[0]! | 0, words[1]! | 0, words[2]! | 0, words[3]! | 0);
    else {
      const floats = new Float32Array(Uint32Array.from(words).buffer);
      this.gl.vertexAttrib4f(index, floats[0]!, floats[1]!, floats[2]!, floats[3]!);
    }
  }
}
