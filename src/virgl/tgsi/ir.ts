/** The shader intermediate form parsed from TGSI text: what the GLSL and WGSL emitters read, free of either language. */

import type { Opcode } from './opcodes.ts';

/** Geometry, tessellation and compute shaders are rejected by the parser (WebGL2 has none of them). */
export type ShaderStage = 'vertex' | 'fragment';

/** 0 = x, 1 = y, 2 = z, 3 = w. */
export type Component = 0 | 1 | 2 | 3;
export type Swizzle = readonly [Component, Component, Component, Component];
/** Bit 0 = x ... bit 3 = w; never 0. */
export type WriteMask = number;
export const WRITEMASK_XYZW: WriteMask = 0xf;

/** TGSI's register files that a vertex or fragment shader of GL 3.0 / GLES 3.0 class uses. */
export type RegisterFile =
  | 'input'
  | 'output'
  | 'temp'
  | 'const'
  | 'immediate'
  | 'address'
  | 'sampler'
  | 'samplerView'
  | 'system';

export const SEMANTIC_NAMES = [
  'POSITION', 'COLOR', 'BCOLOR', 'FOG', 'PSIZE', 'GENERIC', 'NORMAL', 'FACE', 'EDGEFLAG', 'PRIM_ID',
  'INSTANCEID', 'VERTEXID', 'STENCIL', 'CLIPDIST', 'CLIPVERTEX', 'GRID_SIZE', 'BLOCK_ID', 'BLOCK_SIZE',
  'THREAD_ID', 'TEXCOORD', 'PCOORD', 'VIEWPORT_INDEX', 'LAYER', 'SAMPLEID', 'SAMPLEPOS', 'SAMPLEMASK',
  'INVOCATIONID', 'VERTEXID_NOBASE', 'BASEVERTEX', 'PATCH', 'TESSCOORD', 'TESSOUTER', 'TESSINNER',
  'VERTICESIN', 'HELPER_INVOCATION', 'BASEINSTANCE', 'DRAWID', 'WORK_DIM', 'SUBGROUP_SIZE',
  'SUBGROUP_INVOCATION', 'SUBGROUP_EQ_MASK', 'SUBGROUP_GE_MASK', 'SUBGROUP_GT_MASK', 'SUBGROUP_LE_MASK',
  'SUBGROUP_LT_MASK', 'CS_USER_DATA_AMD', 'VIEWPORT_MASK',
] as const;
export type SemanticName = (typeof SEMANTIC_NAMES)[number];

export const TEXTURE_TARGETS = [
  'BUFFER', '1D', '2D', '3D', 'CUBE', 'RECT', 'SHADOW1D', 'SHADOW2D', 'SHADOWRECT', '1D_ARRAY', '2D_ARRAY',
  'SHADOW1D_ARRAY', 'SHADOW2D_ARRAY', 'SHADOWCUBE', '2D_MSAA', '2D_ARRAY_MSAA', 'CUBEARRAY', 'SHADOWCUBEARRAY',
] as const;
export type TextureTarget = (typeof TEXTURE_TARGETS)[number];

/** What a sampler view returns: decides between float, int and uint samplers. */
export const RETURN_TYPES = ['UNORM', 'SNORM', 'SINT', 'UINT', 'FLOAT'] as const;
export type ReturnType = (typeof RETURN_TYPES)[number];

/** COLOR: flat or smooth as the rasterizer's flat-shade state says (legacy gl_Color). */
export const INTERPOLATIONS = ['CONSTANT', 'LINEAR', 'PERSPECTIVE', 'COLOR'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

export const INTERPOLATION_LOCATIONS = ['CENTER', 'CENTROID', 'SAMPLE'] as const;
export type InterpolationLocation = (typeof INTERPOLATION_LOCATIONS)[number];

/** 64-bit immediates are rejected: a GLES host makes the guest drop double precision. */
export const IMMEDIATE_TYPES = ['FLT32', 'UINT32', 'INT32'] as const;
export type ImmediateType = (typeof IMMEDIATE_TYPES)[number];

export const DEPTH_LAYOUTS = ['NONE', 'ANY', 'GREATER', 'LESS', 'UNCHANGED'] as const;
export type DepthLayout = (typeof DEPTH_LAYOUTS)[number];

/** Registers `first..last`, both included. */
export interface Range {
  readonly first: number;
  readonly last: number;
}

export interface Semantic {
  readonly name: SemanticName;
  readonly index: number;
}

/** An input or output declaration; a range with a semantic counts its index up from `first`. */
export interface IoDeclaration extends Range {
  readonly usageMask: WriteMask;
  readonly semantic: Semantic | null;
  /** Declared only on fragment inputs; null elsewhere. */
  readonly interpolation: Interpolation | null;
  readonly location: InterpolationLocation;
  readonly invariant: boolean;
  /** The ARRAY(id) that indirect accesses name; 0 when the range is no array. */
  readonly arrayId: number;
}

export interface SystemValueDeclaration {
  readonly index: number;
  readonly usageMask: WriteMask;
  readonly semantic: Semantic;
}

export interface TempDeclaration extends Range {
  readonly arrayId: number;
  readonly local: boolean;
}

/** Buffer 0 holds the default uniforms (TGSI `CONST[n]`); buffer k >= 1 is uniform block k (`CONST[k][n]`). */
export interface ConstDeclaration extends Range {
  readonly buffer: number;
}

export interface SamplerViewDeclaration extends Range {
  readonly target: TextureTarget;
  readonly returnType: ReturnType;
}

/** Four raw 32-bit patterns; `type` says how the shader means them (floats stay bit-exact this way). */
export interface Immediate {
  readonly type: ImmediateType;
  readonly bits: readonly [number, number, number, number];
}

/** Every property a vertex or fragment shader may carry, with TGSI's default when absent. */
export interface Properties {
  readonly coordOrigin: 'UPPER_LEFT' | 'LOWER_LEFT';
  readonly pixelCenter: 'HALF_INTEGER' | 'INTEGER';
  readonly color0WritesAllCbufs: boolean;
  readonly depthLayout: DepthLayout;
  readonly earlyDepthStencil: boolean;
  readonly postDepthCoverage: boolean;
  readonly windowSpacePosition: boolean;
  readonly prohibitUcps: boolean;
  readonly clipDistances: number;
  readonly cullDistances: number;
  readonly separable: boolean;
  readonly legacyMathRules: boolean;
  readonly layerViewportRelative: boolean;
  readonly blendEquationAdvanced: number;
}

/**
 * Relative addressing: the value of `ADDR[register].component` is added to the operand's index.
 * The final index is known only when the shader runs: an emitter must keep it inside the range
 * that contains the base index (the array `arrayId` names, when not 0), since the guest may be hostile.
 */
export interface Indirect {
  readonly register: number;
  readonly component: Component;
  readonly arrayId: number;
}

/** The outer index of a two-dimensional register: for `const`, the uniform buffer. */
export interface Dimension {
  readonly index: number;
  readonly indirect: Indirect | null;
}

export interface Register {
  readonly file: RegisterFile;
  /** The register; with `indirect`, the base that the address register's value is added to. */
  readonly index: number;
  readonly indirect: Indirect | null;
  /** Only `const` registers of a uniform block (buffer >= 1) have one; buffer 0 has none. */
  readonly dimension: Dimension | null;
}

export interface DstOperand extends Register {
  readonly writeMask: WriteMask;
}

/** Applied in TGSI's order: swizzle, then absolute value, then negation. */
export interface SrcOperand extends Register {
  readonly swizzle: Swizzle;
  readonly absolute: boolean;
  readonly negate: boolean;
}

export interface TextureOffset {
  readonly file: 'immediate' | 'temp';
  readonly index: number;
  readonly swizzle: readonly [Component, Component, Component];
}

export interface Instruction {
  readonly opcode: Opcode;
  /** Clamp the result to [0, 1]. */
  readonly saturate: boolean;
  readonly precise: boolean;
  readonly dst: readonly DstOperand[];
  readonly src: readonly SrcOperand[];
  /** Set exactly for texture opcodes. */
  readonly texture: TextureTarget | null;
  readonly offsets: readonly TextureOffset[];
  /**
   * The label written after a branch opcode (`UIF TEMP[0].xxxx :6`): the instruction number of the
   * matching ELSE/ENDIF. Mesa writes 0 for loops. Informational only: the parser has checked that
   * flow control nests, so emitters can follow the structure instead.
   */
  readonly label: number | null;
  /** 1-based line in the shader text, for diagnostics. */
  readonly line: number;
}

export interface Shader {
  readonly stage: ShaderStage;
  readonly properties: Properties;
  readonly inputs: readonly IoDeclaration[];
  readonly outputs: readonly IoDeclaration[];
  readonly systemValues: readonly SystemValueDeclaration[];
  readonly temps: readonly TempDeclaration[];
  readonly addresses: readonly Range[];
  readonly samplers: readonly Range[];
  readonly samplerViews: readonly SamplerViewDeclaration[];
  readonly constants: readonly ConstDeclaration[];
  readonly immediates: readonly Immediate[];
  /** Ends with END; flow control is balanced. */
  readonly instructions: readonly Instruction[];
}

/** `line` is 1-based; 0 when the error concerns the whole text. */
export interface TgsiError {
  readonly line: number;
  readonly message: string;
}

export type ParseResult = { readonly ok: true; readonly shader: Shader } | { readonly ok: false; readonly error: TgsiError };
