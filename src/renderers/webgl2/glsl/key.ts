/** The shader key: the draw-time state a GLSL translation depends on, as a small plain object with a stable string form for caching. */

import type { Shader } from '../../../virgl/tgsi/ir.ts';

/** How a value reaches or leaves the shader: decides between vec4, ivec4 and uvec4 declarations. */
export type ValueKind = 'float' | 'int' | 'uint';

/** A vertex attribute's kind; `bgra` is a float attribute whose format stores B, G, R, A (the shader swaps x and z). */
export type AttributeKind = ValueKind | 'bgra';

/**
 * How the fragment shader interpolates a varying. GLSL ES 3.00 links a program only when both
 * stages declare a varying with the same type and interpolation, so the vertex shader's key carries
 * what the fragment shader it is linked with asks for (build it with `fragmentVaryingModes`).
 * `linear` is TGSI's screen-space LINEAR, which GLSL ES 3.00 lacks (see interface.ts).
 */
export type VaryingMode = 'smooth' | 'centroid' | 'flat' | 'linear' | 'linear-centroid';

/**
 * A texture swizzle per sampler view, four characters from `rgba01` (`"bgr1"`); WebGL2 has no
 * TEXTURE_SWIZZLE_*, so the shader applies it to every texel it samples. `""` means `rgba`.
 */
export type SwizzleSpec = string;

export interface VertexShaderKey {
  readonly stage: 'vertex';
  /** Per IN register: the kind its vertex element's format delivers (int/uint need vertexAttribIPointer); missing means float. */
  readonly attributes: readonly AttributeKind[];
  /**
   * The viewport's Y scale is negative (a window-system framebuffer, which gallium stores top row
   * first): gl_Position.y is negated at the end, as the reference host does with its winsys_adjust_y.
   */
  readonly flipY: boolean;
  /** By varying name (`vgw_GENERIC_3`); a varying not listed is smooth. */
  readonly varyings: Readonly<Record<string, VaryingMode>>;
  /** Per sampler view index. */
  readonly swizzles: readonly SwizzleSpec[];
  /** Bit i: sampler view i holds fixed-point depth, so a shadow comparison clamps its reference to [0, 1] first (not every WebGL2 does). */
  readonly clampedRefs: number;
  /**
   * The rasterizer's clip_plane_enable: bit i, distance i is computed (the CLIPDIST output written,
   * else the dot product of user clip plane i with CLIPVERTEX, else with POSITION) and handed to the
   * fragment shader, whose key has the same bits, to discard what lies behind it.
   */
  readonly clipPlanes: number;
  /**
   * Transform feedback: capture varying i (declared `flat out` uint to uvec4, named by
   * `captureName(i)`) holds the dwords `captures[i]`, each OUT register * 4 + component, as
   * stream-output.ts lays gallium's stream output out for WebGL2. Empty when nothing is captured.
   */
  readonly captures: readonly (readonly number[])[];
}

export interface FragmentShaderKey {
  readonly stage: 'fragment';
  /** Per colour buffer slot of the framebuffer, the kind of its format; the length is the number of slots bound. */
  readonly colorBuffers: readonly ValueKind[];
  /** The rasterizer's flatshade: COLOR inputs declared with COLOR interpolation become flat. */
  readonly flatShade: boolean;
  /** The rasterizer's light_twoside: COLOR inputs choose the BCOLOR varying on back faces. */
  readonly twoSidedColor: boolean;
  /** TEXCOORD[i] inputs replaced by the point sprite coordinate, bit i set; 0 unless points are drawn with sprite_coord_enable. */
  readonly spriteCoords: number;
  /** The rasterizer's sprite_coord_mode (gallium's UPPER_LEFT = 0). */
  readonly spriteOrigin: 'upper-left' | 'lower-left';
  /** Per sampler view index. */
  readonly swizzles: readonly SwizzleSpec[];
  /** As the vertex shader's. */
  readonly clampedRefs: number;
  /** The vertex shader's `clipPlanes`: the distances it hands over for the planes enabled, to discard fragments behind any. */
  readonly clipPlanes: number;
  /**
   * The alpha test's function, gallium's (NEVER 0 ... ALWAYS 7; ALWAYS while it is off): colour 0's
   * alpha is compared with `vgw_alpha_ref` and the fragment discarded where it fails (WebGL2 has no alpha test).
   */
  readonly alphaFunc: number;
}

/** The alpha test's function while it is off. */
export const ALPHA_ALWAYS = 7;

export type ShaderKey = VertexShaderKey | FragmentShaderKey;

const KIND_LETTER: Readonly<Record<AttributeKind, string>> = { float: 'f', int: 'i', uint: 'u', bgra: 'b' };

/** A string that two keys share exactly when they give the same translation of one shader. */
export function shaderKeyString(key: ShaderKey): string {
  const swizzles = key.swizzles.map((s) => (s === 'rgba' ? '' : s)).join(',');
  if (key.stage === 'vertex') {
    const varyings = Object.entries(key.varyings)
      .filter(([, mode]) => mode !== 'smooth')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, mode]) => `${name}:${mode}`)
      .join(',');
    return `vs|a=${key.attributes.map((k) => KIND_LETTER[k]).join('')}|v=${varyings}|s=${swizzles}|r=${key.clampedRefs >>> 0}|y=${key.flipY ? 1 : 0}|c=${key.clipPlanes >>> 0}|x=${key.captures.map((c) => c.join('.')).join(',')}`;
  }
  return [
    'fs',
    `o=${key.colorBuffers.map((k) => KIND_LETTER[k]).join('')}`,
    `f=${key.flatShade ? 1 : 0}${key.twoSidedColor ? 1 : 0}`,
    `p=${key.spriteCoords >>> 0}${key.spriteOrigin === 'upper-left' ? 'u' : 'l'}`,
    `s=${swizzles}`,
    `r=${key.clampedRefs >>> 0}`,
    `c=${key.clipPlanes >>> 0}`,
    `a=${key.alphaFunc}`,
  ].join('|');
}

/** The key with every draw-time choice at GL's default: float attributes and colour buffers, smooth varyings, no swizzles. */
export function defaultShaderKey(shader: Shader): ShaderKey {
  if (shader.stage === 'vertex') return { stage: 'vertex', attributes: [], varyings: {}, swizzles: [], clampedRefs: 0, flipY: false, clipPlanes: 0, captures: [] };
  let slots = 1;
  for (const out of shader.outputs) {
    if (out.semantic?.name === 'COLOR') slots = Math.max(slots, out.semantic.index + out.last - out.first + 1);
  }
  return {
    stage: 'fragment',
    colorBuffers: new Array<ValueKind>(slots).fill('float'),
    flatShade: false,
    twoSidedColor: false,
    spriteCoords: 0,
    spriteOrigin: 'upper-left',
    swizzles: [],
    clampedRefs: 0,
    clipPlanes: 0,
    alphaFunc: ALPHA_ALWAYS,
  };
}

/** The name both stages give the varying of a semantic, so separately translated shaders link. */
export function varyingName(semantic: string, index: number): string {
  return `vgw_${semantic}_${index}`;
}

/** The name of transform feedback's capture varying `index` (see VertexShaderKey.captures). */
export function captureName(index: number): string {
  return `vgw_xfb${index}`;
}

/** Semantics that travel from the vertex to the fragment shader as user varyings. */
export const VARYING_SEMANTICS: ReadonlySet<string> = new Set(['GENERIC', 'TEXCOORD', 'COLOR', 'BCOLOR', 'FOG']);

/**
 * The `varyings` of the vertex shader key, read off the fragment shader and its key: CONSTANT
 * inputs and (with flat shading) COLOR inputs are flat, LINEAR ones screen-linear, CENTROID kept.
 * Two-sided colour reads BCOLOR the way it reads COLOR.
 */
export function fragmentVaryingModes(fs: Shader, key: FragmentShaderKey): Record<string, VaryingMode> {
  const modes: Record<string, VaryingMode> = {};
  for (const input of fs.inputs) {
    const semantic = input.semantic;
    if (semantic === null || !VARYING_SEMANTICS.has(semantic.name)) continue;
    const flat = input.interpolation === 'CONSTANT' || (input.interpolation === 'COLOR' && key.flatShade);
    const centroid = input.location === 'CENTROID';
    const mode: VaryingMode = flat ? 'flat' : input.interpolation === 'LINEAR' ? (centroid ? 'linear-centroid' : 'linear') : centroid ? 'centroid' : 'smooth';
    for (let i = 0; i <= input.last - input.first; i++) {
      modes[varyingName(semantic.name, semantic.index + i)] = mode;
      if (semantic.name === 'COLOR' && key.twoSidedColor) modes[varyingName('BCOLOR', semantic.index + i)] = mode;
    }
  }
  return modes;
}
