/**
 * What the 3D renderer's WebGL2 context serves, as the virgl capsets need it
 * (virgl-caps.ts turns these into the numbers the guest's Mesa makes its GL
 * limits of). Plain data, named after the GL parameters: the GPU worker reads
 * it (src/renderers/webgl2/host-limits.ts) and sends it to the VM thread, and
 * the device uses it without WebGL.
 */
export interface HostGlLimits {
  readonly maxTextureSize: number;
  readonly max3dTextureSize: number;
  readonly maxCubeMapTextureSize: number;
  readonly maxArrayTextureLayers: number;
  readonly maxDrawBuffers: number;
  readonly maxColorAttachments: number;
  readonly maxVertexAttribs: number;
  readonly maxVertexOutputComponents: number;
  /**
   * Uniform blocks. The GLSL the renderer emits declares every constant
   * buffer as one, the default uniforms (constant buffer 0) included, so
   * these and MAX_UNIFORM_BLOCK_SIZE bound the guest's constants, not
   * MAX_*_UNIFORM_VECTORS.
   */
  readonly maxVertexUniformBlocks: number;
  readonly maxFragmentUniformBlocks: number;
  readonly maxCombinedUniformBlocks: number;
  readonly maxUniformBufferBindings: number;
  /** In bytes. */
  readonly maxUniformBlockSize: number;
  readonly maxTextureImageUnits: number;
  readonly maxVertexTextureImageUnits: number;
  readonly maxCombinedTextureImageUnits: number;
  /** The top of ALIASED_POINT_SIZE_RANGE. */
  readonly maxAliasedPointSize: number;
  /** The top of ALIASED_LINE_WIDTH_RANGE. */
  readonly maxAliasedLineWidth: number;
  readonly maxTextureLodBias: number;
  readonly uniformBufferOffsetAlignment: number;
  /** EXT_texture_filter_anisotropic's maximum; 1 without the extension. */
  readonly maxTextureMaxAnisotropy: number;
  /** EXT_color_buffer_float: the 16- and 32-bit float formats and R11G11B10_FLOAT can be drawn into. */
  readonly colorBufferFloat: boolean;
}

/**
 * The profile the capsets had before they followed the context, and what a
 * device without WebGL2 (the Node runner, the recording renderer, tests)
 * offers: WebGL2's minimums (OpenGL ES 3.0's), with EXT_color_buffer_float,
 * which the renderer requires, and points up to 64 pixels (ES 3.0 demands
 * only 1; every implementation serves more).
 */
export const WEBGL2_MINIMUM_LIMITS: HostGlLimits = {
  maxTextureSize: 2048,
  max3dTextureSize: 256,
  maxCubeMapTextureSize: 2048,
  maxArrayTextureLayers: 256,
  maxDrawBuffers: 4,
  maxColorAttachments: 4,
  maxVertexAttribs: 16,
  maxVertexOutputComponents: 64,
  maxVertexUniformBlocks: 12,
  maxFragmentUniformBlocks: 12,
  maxCombinedUniformBlocks: 24,
  maxUniformBufferBindings: 24,
  maxUniformBlockSize: 16384,
  maxTextureImageUnits: 16,
  maxVertexTextureImageUnits: 16,
  maxCombinedTextureImageUnits: 32,
  maxAliasedPointSize: 64,
  maxAliasedLineWidth: 1,
  maxTextureLodBias: 2,
  uniformBufferOffsetAlignment: 256,
  maxTextureMaxAnisotropy: 1,
  colorBufferFloat: true,
};

/**
 * Where `served` falls short of `promised`, one line a limit: what a context
 * made after the guest read its capsets (a restored context, a new GPU
 * worker) cannot honour. Alignment falls short when it is coarser.
 */
export function shortfalls(promised: HostGlLimits, served: HostGlLimits): string[] {
  const lines: string[] = [];
  for (const name of Object.keys(promised) as (keyof HostGlLimits)[]) {
    const want = promised[name];
    const have = served[name];
    if (fallsShort(want, have, name === 'uniformBufferOffsetAlignment')) lines.push(`${name} ${String(have)} (promised ${String(want)})`);
  }
  return lines;
}

function fallsShort(want: number | boolean, have: number | boolean, lessIsMore: boolean): boolean {
  if (typeof want === 'boolean' || typeof have === 'boolean') return want === true && have !== true;
  return lessIsMore ? have > want : have < want;
}
