/**
 * The state of one guest sub-context: its objects by handle (copies of what
 * the decoder handed over, whose structures are scratch) and what is bound.
 * Plain data: the executor reads it when it draws and never keeps GL state
 * here except the objects each sub-context owns (its framebuffer, vertex
 * array, sampler objects and constant buffers).
 */
import type { BlendState, DsaState, RasterizerState, SamplerState, SamplerViewState, ScissorState, ShaderInfo, SurfaceState, VertexBufferBinding, VertexElement, ViewportState } from '../../virgl/commands.ts';
import { Limit, SHADER_STAGE_COUNT } from '../../virgl/protocol.ts';
import type { GuestQuery } from './queries.ts';
import type { StreamLayout, StreamTarget } from './stream-output.ts';

export interface ShaderObject {
  readonly info: ShaderInfo;
  readonly text: string;
  /** Its stream output laid out for WebGL2 (stream-output.ts): null without any, why not when it cannot be captured. */
  readonly stream: StreamLayout | string | null;
}

export interface SamplerObject {
  readonly state: SamplerState;
  readonly sampler: WebGLSampler;
}

export interface UniformBinding {
  resource: number;
  offset: number;
  length: number;
}

/** What a stage has bound: constants (CONST[n], as dwords), uniform buffers, sampler views and sampler states by slot. */
export interface StageBindings {
  constants: Uint32Array;
  constantDwords: number;
  constantsChanged: boolean;
  readonly uniformBuffers: (UniformBinding | null)[];
  readonly views: number[];
  readonly samplers: number[];
}

/** Deep copies of the decoder's scratch structures (one level of nesting at most). */
export function copyOf<T extends object>(value: T): T {
  const out = { ...value } as Record<string, unknown>;
  for (const [key, field] of Object.entries(out)) {
    if (Array.isArray(field)) out[key] = field.map((item: unknown) => (item !== null && typeof item === 'object' ? { ...item } : item));
    else if (ArrayBuffer.isView(field)) out[key] = (field as Uint32Array).slice();
    else if (field !== null && typeof field === 'object') out[key] = copyOf(field);
  }
  return out as T;
}

export class SubContext {
  readonly blends = new Map<number, BlendState>();
  readonly rasterizers = new Map<number, RasterizerState>();
  readonly dsas = new Map<number, DsaState>();
  readonly shaders = new Map<number, ShaderObject>();
  readonly vertexElements = new Map<number, VertexElement[]>();
  readonly views = new Map<number, SamplerViewState>();
  readonly samplers = new Map<number, SamplerObject>();
  readonly surfaces = new Map<number, SurfaceState>();
  readonly queries = new Map<number, GuestQuery>();
  readonly streamTargets = new Map<number, StreamTarget>();
  /** Characters of shader text kept in `shaders`. */
  shaderChars = 0;

  blend = 0;
  rasterizer = 0;
  dsa = 0;
  elements = 0;
  /** Bound shader handles by virgl stage. */
  readonly boundShaders = new Uint32Array(SHADER_STAGE_COUNT);
  zsurf = 0;
  readonly cbufs = new Uint32Array(8);
  cbufCount = 0;
  framebufferChanged = true;
  viewport: ViewportState = { scaleX: 1, scaleY: 1, scaleZ: 0.5, translateX: 0, translateY: 0, translateZ: 0.5 };
  scissor: ScissorState = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  vertexBuffers: VertexBufferBinding[] = [];
  indexBuffer = { resource: 0, indexSize: 0, offset: 0 };
  /** Stream-output target handles by buffer slot (0: none). */
  readonly boundTargets = new Uint32Array(Limit.SO_BUFFERS);
  /** The lists of target handles bound so far (`1,2`): binding one again resumes its captures. */
  readonly streamLists = new Set<string>();
  readonly stages: StageBindings[] = Array.from({ length: SHADER_STAGE_COUNT }, () => ({ constants: new Uint32Array(0), constantDwords: 0, constantsChanged: true, uniformBuffers: [], views: [], samplers: [] }));
  stencilRef: [number, number] = [0, 0];
  blendColor: [number, number, number, number] = [0, 0, 0, 0];
  sampleMask = 0xffffffff;
  /** SET_CLIP_STATE's eight planes, four floats each. */
  readonly clipPlanes = new Float32Array(4 * Limit.CLIP_PLANES);

  readonly framebuffer: WebGLFramebuffer;
  readonly vertexArray: WebGLVertexArrayObject;

  constructor(private readonly gl: WebGL2RenderingContext) {
    this.framebuffer = gl.createFramebuffer();
    this.vertexArray = gl.createVertexArray();
  }

  /** Objects of every type held by handle. */
  objectCount(): number {
    return this.blends.size + this.rasterizers.size + this.dsas.size + this.shaders.size + this.vertexElements.size + this.views.size + this.samplers.size + this.surfaces.size + this.queries.size + this.streamTargets.size;
  }

  putShader(handle: number, shader: ShaderObject): void {
    this.dropShader(handle);
    this.shaders.set(handle, shader);
    this.shaderChars += shader.text.length;
  }

  dropShader(handle: number): void {
    this.shaderChars -= this.shaders.get(handle)?.text.length ?? 0;
    this.shaders.delete(handle);
  }

  /** Frees what this sub-context made in GL. */
  destroy(): void {
    const { gl } = this;
    gl.deleteFramebuffer(this.framebuffer);
    gl.deleteVertexArray(this.vertexArray);
    for (const { sampler } of this.samplers.values()) gl.deleteSampler(sampler);
  }

  /** Whether any stream-output target is bound (a loop: draws ask this, and must not allocate). */
  streamTargetsBound(): boolean {
    for (let i = 0; i < this.boundTargets.length; i++) if (this.boundTargets[i] !== 0) return true;
    return false;
  }
}
