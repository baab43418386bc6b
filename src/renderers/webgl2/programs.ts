/**
 * The programs draws use: the bound vertex and fragment shaders' TGSI text,
 * parsed once, translated to GLSL ES 3.00 for the key the draw state gives
 * (attribute and colour-buffer kinds, flat shading, y flip, swizzles),
 * compiled and linked once per pair of translations, with their uniform
 * blocks and samplers given binding points and texture units. A shader that
 * fails to translate, compile or link fails its draws, logged once; the
 * caches are bounded, so a guest making endless shader variants cannot grow
 * them without end.
 */
import { Limit, ShaderStage } from '../../virgl/protocol.ts';
import type { Shader } from '../../virgl/tgsi/ir.ts';
import { parseTgsi } from '../../virgl/tgsi/parse.ts';
import { emitGlsl, type GlslShader } from './glsl/emit.ts';
import { ALPHA_ALWAYS, captureName, fragmentVaryingModes, shaderKeyString, type AttributeKind, type FragmentShaderKey, type ShaderKey, type SwizzleSpec, type ValueKind, type VertexShaderKey } from './glsl/key.ts';
import type { GlResources } from './resources.ts';
import type { SubContext } from './sub-context.ts';
import { isFixedPointDepth } from './formats.ts';
import type { StreamLayout } from './stream-output.ts';
import { vertexFormat } from './vertex-formats.ts';

export interface LinkedProgram {
  readonly program: WebGLProgram;
  /** Texture unit u samples stage `stage`'s view slot `view` with its sampler slot `sampler`. */
  readonly textures: readonly { readonly stage: ShaderStage; readonly view: number; readonly sampler: number }[];
  /** Binding point b takes stage `stage`'s constants (index 0) or uniform buffer `index`, at least `bytes` of it. */
  readonly blocks: readonly { readonly stage: ShaderStage; readonly index: number; readonly bytes: number }[];
  readonly fbHeight: WebGLUniformLocation | null;
  readonly pointSize: WebGLUniformLocation | null;
  readonly baseVertex: WebGLUniformLocation | null;
  readonly clipPlanes: WebGLUniformLocation | null;
  readonly alphaRef: WebGLUniformLocation | null;
  /** What the vertex shader captures by transform feedback, or null. */
  readonly stream: StreamLayout | null;
}

interface Translation {
  readonly glsl: GlslShader;
  readonly shader: WebGLShader;
}

/** Entries each cache may hold; past it the cache starts over (translations are cheap next to an unbounded guest). */
const CACHE_LIMIT = 256;
const SWIZZLE_LETTERS = 'rgba01';
const POINTS = 0;

/** A map that forgets everything once it holds `limit` entries, telling `drop` of each value. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly limit: number,
    private readonly drop: (value: V) => void = () => {},
  ) {}

  get(key: string, make: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) return found;
    if (this.entries.size >= this.limit) {
      for (const value of this.entries.values()) this.drop(value);
      this.entries.clear();
    }
    const made = make();
    this.entries.set(key, made);
    return made;
  }
}

export class ProgramCache {
  private readonly parsed = new BoundedCache<Shader | string>(CACHE_LIMIT);
  private readonly translations: BoundedCache<Translation | string>;
  private readonly programs: BoundedCache<LinkedProgram | string>;
  private readonly failures = new Set<string>();

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly log: (message: string) => void,
  ) {
    this.translations = new BoundedCache(CACHE_LIMIT, (t) => typeof t !== 'string' && gl.deleteShader(t.shader));
    this.programs = new BoundedCache(CACHE_LIMIT, (p) => typeof p !== 'string' && gl.deleteProgram(p.program));
  }

  /** The program for the sub-context's bound shaders under the draw's state, or null (logged once) when there is none. */
  forDraw(sub: SubContext, resources: GlResources, mode: number, flipY: boolean): LinkedProgram | null {
    const vsObject = sub.shaders.get(sub.boundShaders[ShaderStage.VERTEX]!);
    const fsObject = sub.shaders.get(sub.boundShaders[ShaderStage.FRAGMENT]!);
    if (!vsObject || !fsObject) return this.fail('draw without both a vertex and a fragment shader bound', 'no shaders');
    const vs = this.parse(vsObject.text);
    const fs = this.parse(fsObject.text);
    if (typeof vs === 'string' || typeof fs === 'string') return this.fail(`a shader does not parse: ${typeof vs === 'string' ? vs : fs}`, `${vsObject.text}${fsObject.text}`);
    let stream = vsObject.stream;
    if (typeof stream === 'string') {
      this.once(`virgl: transform feedback cannot be captured: ${stream}; drawn without it`, stream);
      stream = null;
    }
    const clipPlanes = (sub.rasterizers.get(sub.rasterizer)?.clipPlaneEnable ?? 0) & ((1 << Limit.CLIP_PLANES) - 1);
    const fsKey = this.fragmentKey(sub, resources, mode, clipPlanes);
    const vsKey: VertexShaderKey = {
      stage: 'vertex',
      attributes: this.attributeKinds(sub),
      flipY,
      varyings: fragmentVaryingModes(fs, fsKey),
      swizzles: this.swizzles(sub, resources, ShaderStage.VERTEX),
      clampedRefs: this.clampedRefs(sub, resources, ShaderStage.VERTEX),
      clipPlanes,
      captures: stream?.varyings ?? [],
    };
    const vsName = `${vsObject.text}\n${shaderKeyString(vsKey)}`;
    const fsName = `${fsObject.text}\n${shaderKeyString(fsKey)}`;
    const vsGl = this.translations.get(vsName, () => this.translate(vs, vsKey));
    const fsGl = this.translations.get(fsName, () => this.translate(fs, fsKey));
    if (typeof vsGl === 'string' || typeof fsGl === 'string') return this.fail(`a shader cannot be drawn in WebGL2: ${typeof vsGl === 'string' ? vsGl : fsGl}`, `${vsName}${fsName}`);
    const program = this.programs.get(`${vsName}\n${fsName}\n${stream?.interleaved ?? ''}`, () => this.link(vsGl, fsGl, stream));
    return typeof program === 'string' ? this.fail(program, `${vsName}${fsName}`) : program;
  }

  private fail(message: string, id: string): null {
    this.once(`virgl: ${message}; its draws are skipped`, id);
    return null;
  }

  private once(message: string, id: string): void {
    if (this.failures.has(id)) return;
    if (this.failures.size >= CACHE_LIMIT) this.failures.clear();
    this.failures.add(id);
    this.log(message);
  }

  private parse(text: string): Shader | string {
    return this.parsed.get(text, () => {
      const result = parseTgsi(text);
      return result.ok ? result.shader : `line ${result.error.line}: ${result.error.message}`;
    });
  }

  private translate(shader: Shader, key: ShaderKey): Translation | string {
    const { gl } = this;
    const glsl = emitGlsl(shader, key);
    if (!glsl.ok) return glsl.error;
    if (glsl.notes.length > 0) this.log(`virgl: shader translated with approximations: ${glsl.notes.join('; ')}`);
    const compiled = gl.createShader(key.stage === 'vertex' ? gl.VERTEX_SHADER : gl.FRAGMENT_SHADER)!;
    gl.shaderSource(compiled, glsl.source);
    gl.compileShader(compiled);
    if (!gl.getShaderParameter(compiled, gl.COMPILE_STATUS)) {
      const info = gl.getShaderInfoLog(compiled) ?? '';
      gl.deleteShader(compiled);
      return `the ${key.stage} shader's GLSL does not compile: ${info.trim().slice(0, 400)}`;
    }
    return { glsl, shader: compiled };
  }

  private link(vs: Translation, fs: Translation, stream: StreamLayout | null): LinkedProgram | string {
    const { gl } = this;
    const program = gl.createProgram();
    gl.attachShader(program, vs.shader);
    gl.attachShader(program, fs.shader);
    if (stream) gl.transformFeedbackVaryings(program, stream.varyings.map((_, i) => captureName(i)), stream.interleaved ? gl.INTERLEAVED_ATTRIBS : gl.SEPARATE_ATTRIBS);
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      const info = gl.getProgramInfoLog(program) ?? '';
      gl.deleteProgram(program);
      return `the program does not link: ${info.trim().slice(0, 400)}`;
    }
    const blocks: { stage: ShaderStage; index: number; bytes: number }[] = [];
    const textures: { stage: ShaderStage; view: number; sampler: number }[] = [];
    gl.useProgram(program);
    for (const [stage, glsl] of [[ShaderStage.VERTEX, vs.glsl], [ShaderStage.FRAGMENT, fs.glsl]] as const) {
      for (const block of glsl.uniformBlocks) {
        const index = gl.getUniformBlockIndex(program, block.name);
        if (index === gl.INVALID_INDEX) continue;
        gl.uniformBlockBinding(program, index, blocks.length);
        blocks.push({ stage, index: block.buffer, bytes: block.bytes });
      }
      for (const sampler of glsl.samplers) {
        gl.uniform1i(gl.getUniformLocation(program, sampler.name), textures.length);
        textures.push({ stage, view: sampler.view, sampler: sampler.sampler });
      }
    }
    gl.useProgram(null);
    const location = (name: string) => gl.getUniformLocation(program, name);
    return { program, blocks, textures, fbHeight: location('vgw_fb_height'), pointSize: location('vgw_point_size'), baseVertex: location('vgw_base_vertex'), clipPlanes: location('vgw_clip_planes'), alphaRef: location('vgw_alpha_ref'), stream };
  }

  private attributeKinds(sub: SubContext): AttributeKind[] {
    return (sub.vertexElements.get(sub.elements) ?? []).map((element) => {
      const format = vertexFormat(element.format);
      return format?.integer ?? (format?.bgra ? 'bgra' : 'float');
    });
  }

  private fragmentKey(sub: SubContext, resources: GlResources, mode: number, clipPlanes: number): FragmentShaderKey {
    const rasterizer = sub.rasterizers.get(sub.rasterizer);
    const colorBuffers: ValueKind[] = [];
    for (let i = 0; i < sub.cbufCount; i++) {
      const surface = sub.surfaces.get(sub.cbufs[i]!);
      const resource = surface && resources.get(surface.resource);
      const read = resource?.kind === 'texture' ? resource.format.read : 'float';
      colorBuffers.push(read === 'uint' || read === 'int' ? read : 'float');
    }
    return {
      stage: 'fragment',
      colorBuffers,
      flatShade: rasterizer?.flatshade ?? false,
      twoSidedColor: rasterizer?.lightTwoside ?? false,
      spriteCoords: mode === POINTS ? (rasterizer?.spriteCoordEnable ?? 0) : 0,
      spriteOrigin: rasterizer?.spriteCoordMode === 0 ? 'upper-left' : 'lower-left',
      swizzles: this.swizzles(sub, resources, ShaderStage.FRAGMENT),
      clampedRefs: this.clampedRefs(sub, resources, ShaderStage.FRAGMENT),
      clipPlanes,
      alphaFunc: alphaFuncOf(sub, colorBuffers),
    };
  }

  /** Views of fixed-point depth, whose shadow comparisons clamp the reference (OpenGL's rule, which not every WebGL2 keeps). */
  private clampedRefs(sub: SubContext, resources: GlResources, stage: ShaderStage): number {
    let mask = 0;
    sub.stages[stage]!.views.forEach((handle, index) => {
      const view = sub.views.get(handle);
      const resource = view && resources.get(view.resource);
      if (index < 32 && resource?.kind === 'texture' && isFixedPointDepth(resource.format)) mask |= 1 << index;
    });
    return mask;
  }

  /** Each bound view's swizzle composed with its resource format's (padding, luminance and alpha formats), as the shader applies it: WebGL2 has none. */
  private swizzles(sub: SubContext, resources: GlResources, stage: ShaderStage): SwizzleSpec[] {
    return sub.stages[stage]!.views.map((handle) => {
      const view = sub.views.get(handle);
      if (!view) return '';
      const resource = resources.get(view.resource);
      const stored = resource?.kind === 'texture' ? resource.format.swizzle : 'rgba';
      const letters = [view.swizzleR, view.swizzleG, view.swizzleB, view.swizzleA].map((s) => (s < 4 ? stored[s]! : (SWIZZLE_LETTERS[s] ?? '0'))).join('');
      return letters === 'rgba' ? '' : letters;
    });
  }
}

/** The alpha test's function for the key: off (ALWAYS) unless the DSA state enables it for a colour buffer 0 of floats (OpenGL tests only those). */
function alphaFuncOf(sub: SubContext, colorBuffers: readonly ValueKind[]): number {
  const dsa = sub.dsas.get(sub.dsa);
  return dsa?.alphaEnabled && (colorBuffers[0] ?? 'float') === 'float' ? dsa.alphaFunc & 7 : ALPHA_ALWAYS;
}
