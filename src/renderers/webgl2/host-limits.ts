/**
 * What a WebGL2 context serves, read into the plain HostGlLimits the capsets
 * are computed from. Asking for an extension enables it on the context, so
 * the renderer drawing there can use what the capsets then promise.
 */
import { WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from '../../device/host-gl-limits.ts';

/** The names of WebGL2's numeric constants (MAX_TEXTURE_SIZE, ...). */
type GlConstant = { [K in keyof WebGL2RenderingContext]: WebGL2RenderingContext[K] extends number ? K : never }[keyof WebGL2RenderingContext];

type ParameterLimit = Exclude<keyof HostGlLimits, 'maxTextureMaxAnisotropy' | 'colorBufferFloat'>;

/** The getParameter name of each limit; for the two ranges, their tops are taken. */
const PARAMETERS: Readonly<Record<ParameterLimit, GlConstant>> = {
  maxTextureSize: 'MAX_TEXTURE_SIZE',
  max3dTextureSize: 'MAX_3D_TEXTURE_SIZE',
  maxCubeMapTextureSize: 'MAX_CUBE_MAP_TEXTURE_SIZE',
  maxArrayTextureLayers: 'MAX_ARRAY_TEXTURE_LAYERS',
  maxDrawBuffers: 'MAX_DRAW_BUFFERS',
  maxColorAttachments: 'MAX_COLOR_ATTACHMENTS',
  maxVertexAttribs: 'MAX_VERTEX_ATTRIBS',
  maxVertexOutputComponents: 'MAX_VERTEX_OUTPUT_COMPONENTS',
  maxVertexUniformBlocks: 'MAX_VERTEX_UNIFORM_BLOCKS',
  maxFragmentUniformBlocks: 'MAX_FRAGMENT_UNIFORM_BLOCKS',
  maxCombinedUniformBlocks: 'MAX_COMBINED_UNIFORM_BLOCKS',
  maxUniformBufferBindings: 'MAX_UNIFORM_BUFFER_BINDINGS',
  maxUniformBlockSize: 'MAX_UNIFORM_BLOCK_SIZE',
  maxTextureImageUnits: 'MAX_TEXTURE_IMAGE_UNITS',
  maxVertexTextureImageUnits: 'MAX_VERTEX_TEXTURE_IMAGE_UNITS',
  maxCombinedTextureImageUnits: 'MAX_COMBINED_TEXTURE_IMAGE_UNITS',
  maxAliasedPointSize: 'ALIASED_POINT_SIZE_RANGE',
  maxAliasedLineWidth: 'ALIASED_LINE_WIDTH_RANGE',
  maxTextureLodBias: 'MAX_TEXTURE_LOD_BIAS',
  uniformBufferOffsetAlignment: 'UNIFORM_BUFFER_OFFSET_ALIGNMENT',
};

/** A getParameter answer as one number (a range's top), or `fallback` where there is none: a lost context answers null. */
function numberOf(answer: unknown, fallback: number): number {
  const value: unknown = answer instanceof Float32Array ? answer[1] : answer;
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function readHostGlLimits(gl: WebGL2RenderingContext): HostGlLimits {
  const read = Object.fromEntries(
    (Object.entries(PARAMETERS) as [ParameterLimit, GlConstant][]).map(([name, pname]) => [name, numberOf(gl.getParameter(gl[pname]), WEBGL2_MINIMUM_LIMITS[name])]),
  ) as Record<ParameterLimit, number>;
  const anisotropic = gl.getExtension('EXT_texture_filter_anisotropic');
  return {
    ...read,
    maxTextureMaxAnisotropy: anisotropic ? numberOf(gl.getParameter(anisotropic.MAX_TEXTURE_MAX_ANISOTROPY_EXT), 1) : 1,
    colorBufferFloat: gl.getExtension('EXT_color_buffer_float') !== null,
  };
}
