/**
 * A scanout drawn with WebGL2: the resource's pixels in a texture, converted
 * and composited by a shader. On a context it shares with the virgl renderer,
 * a resource the renderer draws is shown from the renderer's own texture.
 */
import type { CursorPlacement, SharedTexture, Surface } from './compositing-presenter.ts';
import { colourOf, CURSOR_TEXELS, DRAW_PARAMS_FLOATS, drawParams, fitCanvas, flipRows, PICTURE_TEXELS } from './gpu-draw.ts';
import type { PixelRegion } from './pixel-convert.ts';
import type { Capture, CursorImage, Rect } from './presenter.ts';

const VERTEX = `#version 300 es
uniform vec4 u_rect;
uniform vec4 u_texels;
out vec2 v_uv;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  v_uv = u_texels.xy + corner * u_texels.zw;
  gl_Position = vec4(mix(u_rect.x, u_rect.z, corner.x), mix(u_rect.y, u_rect.w, corner.y), 0.0, 1.0);
}`;

const fragment = (colour: string) => `#version 300 es
precision highp float;
uniform sampler2D u_texture;
in vec2 v_uv;
out vec4 color;
void main() {
  vec4 t = texture(u_texture, v_uv);
  color = ${colour};
}`;

/** A program for one way of turning texels into colours. */
interface Program {
  program: WebGLProgram;
  rect: WebGLUniformLocation | null;
  texels: WebGLUniformLocation | null;
}

/** The texels of a whole texture (offset and size in texture coordinates). */
const WHOLE = new Float32Array([0, 0, 1, 1]);

/** An opaque drawing buffer with nothing the scanout does not need. */
export const WEBGL2_SETTINGS: WebGLContextAttributes = { alpha: false, antialias: false, depth: false, premultipliedAlpha: false, preserveDrawingBuffer: false };

export class WebGL2Surface implements Surface {
  /** Also the virgl renderer's, when it shares the surface's context. */
  readonly gl: WebGL2RenderingContext;
  /** By format, made on first use. */
  private readonly programs = new Map<number, Program>();
  private readonly frame: WebGLTexture;
  private readonly cursor: WebGLTexture;
  /** Nearest texels, clamped: a renderer sharing the context binds samplers of its own to unit 0. */
  private readonly sampler: WebGLSampler;
  private readonly params = new Float32Array(DRAW_PARAMS_FLOATS);
  /** The shared texture shown instead of `frame`, and the part of it the surface shows. */
  private picture: SharedTexture | null = null;
  private readonly pictureTexels = new Float32Array(4);
  private width = 0;
  private height = 0;
  private format = 0;
  private cursorSize = { width: 0, height: 0 };

  constructor(private readonly canvas: OffscreenCanvas, context?: WebGL2RenderingContext) {
    const gl = context ?? canvas.getContext('webgl2', WEBGL2_SETTINGS);
    if (!gl) throw new Error('virtio-gpu-web: WebGL2 is not available on this canvas');
    this.gl = gl;
    this.frame = makeTexture(gl);
    this.cursor = makeTexture(gl);
    this.sampler = gl.createSampler();
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.samplerParameteri(this.sampler, p, gl.NEAREST);
    for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.samplerParameteri(this.sampler, p, gl.CLAMP_TO_EDGE);
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.picture = null;
    if (!fitCanvas(this.canvas, width, height)) return;
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.frame);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
  }

  upload(region: PixelRegion, x: number, y: number): void {
    const gl = this.gl;
    this.format = region.format;
    this.picture = null;
    gl.bindTexture(gl.TEXTURE_2D, this.frame);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, region.stride / 4);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, x, y, region.width, region.height, gl.RGBA, gl.UNSIGNED_BYTE, region.pixels, region.y * region.stride + region.x * 4);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
  }

  uploadPicture(picture: SharedTexture, rect: Readonly<Rect>, x: number, y: number): void {
    this.picture = picture;
    const t = this.pictureTexels;
    t[0] = (rect.x - x) / picture.width;
    t[1] = (rect.y - y) / picture.height;
    t[2] = this.width / picture.width;
    t[3] = this.height / picture.height;
  }

  setCursorImage(image: CursorImage | null): void {
    if (!image) return;
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.cursor);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, image.width, image.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, image.rgba);
    this.cursorSize = { width: image.width, height: image.height };
  }

  present(cursor: CursorPlacement | null): void {
    const gl = this.gl;
    this.defaultState();
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.width === 0 || this.height === 0) return;
    const { picture } = this;
    if (picture) this.draw(picture.texture, 0, 0, this.width, this.height, PICTURE_TEXELS, this.pictureTexels);
    else this.draw(this.frame, 0, 0, this.width, this.height, this.format, WHOLE);
    if (cursor) {
      gl.enable(gl.BLEND);
      this.draw(this.cursor, cursor.x, cursor.y, this.cursorSize.width, this.cursorSize.height, CURSOR_TEXELS, WHOLE);
      gl.disable(gl.BLEND);
    }
  }

  /** The state the draws rely on, set each time: a renderer sharing the context leaves its own. */
  private defaultState(): void {
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.bindVertexArray(null);
    for (const capability of [gl.SCISSOR_TEST, gl.DEPTH_TEST, gl.STENCIL_TEST, gl.CULL_FACE, gl.POLYGON_OFFSET_FILL, gl.RASTERIZER_DISCARD, gl.SAMPLE_ALPHA_TO_COVERAGE, gl.SAMPLE_COVERAGE, gl.BLEND]) gl.disable(capability);
    gl.colorMask(true, true, true, true);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.blendEquation(gl.FUNC_ADD);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindSampler(0, this.sampler);
  }

  async read(cursor: CursorPlacement | null): Promise<Capture> {
    const { width, height } = this;
    if (width === 0 || height === 0) return { width: 0, height: 0, data: new Uint8Array(0) };
    this.present(cursor);
    const data = new Uint8Array(width * height * 4);
    this.gl.readPixels(0, 0, width, height, this.gl.RGBA, this.gl.UNSIGNED_BYTE, data);
    flipRows(data, width, height);
    return { width, height, data };
  }

  destroy(): void {
    const gl = this.gl;
    gl.deleteTexture(this.frame);
    gl.deleteTexture(this.cursor);
    gl.deleteSampler(this.sampler);
    for (const { program } of this.programs.values()) gl.deleteProgram(program);
    this.programs.clear();
  }

  private draw(texture: WebGLTexture, x: number, y: number, width: number, height: number, format: number, texels: Float32Array): void {
    const gl = this.gl;
    const { program, rect, texels: texelsAt } = this.programFor(format);
    gl.useProgram(program);
    gl.uniform4fv(rect, drawParams(this.params, x, y, width, height, this.width, this.height));
    gl.uniform4fv(texelsAt, texels);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
  }

  private programFor(format: number): Program {
    let made = this.programs.get(format);
    if (!made) {
      const program = linkProgram(this.gl, fragment(colourOf(format, 'vec4')));
      made = { program, rect: this.gl.getUniformLocation(program, 'u_rect'), texels: this.gl.getUniformLocation(program, 'u_texels') };
      this.programs.set(format, made);
    }
    return made;
  }
}

function makeTexture(gl: WebGL2RenderingContext): WebGLTexture {
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
  for (const p of [gl.TEXTURE_WRAP_S, gl.TEXTURE_WRAP_T]) gl.texParameteri(gl.TEXTURE_2D, p, gl.CLAMP_TO_EDGE);
  return texture;
}

function linkProgram(gl: WebGL2RenderingContext, fragmentSource: string): WebGLProgram {
  const program = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, fragmentSource]] as const) {
    const shader = gl.createShader(type);
    if (!shader) throw new Error('virtio-gpu-web: WebGL2 could not create a shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`virtio-gpu-web: shader: ${gl.getShaderInfoLog(shader)}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`virtio-gpu-web: program: ${gl.getProgramInfoLog(program)}`);
  return program;
}
