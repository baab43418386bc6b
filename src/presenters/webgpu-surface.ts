/** A scanout drawn with WebGPU on a canvas: the resource's pixels in a texture, converted and composited by a shader. */
import type { CursorPlacement, Surface } from './compositing-presenter.ts';
import { colourOf, CURSOR_TEXELS, DRAW_PARAMS_FLOATS, drawParams, fitCanvas } from './gpu-draw.ts';
import type { PixelRegion } from './pixel-convert.ts';
import type { Capture, CursorImage } from './presenter.ts';

const shader = (colour: string) => /* wgsl */ `
struct Params { rect: vec4f }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var image: texture_2d<f32>;

struct Varying { @builtin(position) position: vec4f, @location(0) uv: vec2f }

@vertex fn vs(@builtin(vertex_index) i: u32) -> Varying {
  let corner = vec2f(f32(i & 1u), f32(i >> 1u));
  var out: Varying;
  out.uv = corner;
  out.position = vec4f(mix(params.rect.x, params.rect.z, corner.x), mix(params.rect.y, params.rect.w, corner.y), 0.0, 1.0);
  return out;
}

@fragment fn fs(v: Varying) -> @location(0) vec4f {
  let size = vec2f(textureDimensions(image));
  let t = textureLoad(image, vec2i(min(v.uv * size, size - 1.0)), 0);
  return ${colour};
}`;

const PARAMS_BYTES = DRAW_PARAMS_FLOATS * 4;
/** A function, not a constant: WebGPU's globals exist only where WebGPU does, and this module loads in every browser. */
const textureUsage = (): GPUTextureUsageFlags => GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST;

const OVER: GPUBlendComponent = { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha', operation: 'add' };

interface Layer {
  texture: GPUTexture;
  params: GPUBuffer;
  bindGroup: GPUBindGroup;
}

export class WebGPUSurface implements Surface {
  private readonly context: GPUCanvasContext;
  private readonly format: GPUTextureFormat;
  /** One layout for every pipeline, so a layer's bind group serves whichever pipeline draws it. */
  private readonly bindGroupLayout: GPUBindGroupLayout;
  private readonly pipelineLayout: GPUPipelineLayout;
  /** By format, made on first use; the cursor's blends over the frame. */
  private readonly pipelines = new Map<number, GPURenderPipeline>();
  private readonly params = new Float32Array(DRAW_PARAMS_FLOATS);
  private frame: Layer | null = null;
  private cursor: Layer | null = null;
  private width = 0;
  private height = 0;
  private pixelFormat = 0;

  constructor(private readonly device: GPUDevice, private readonly canvas: OffscreenCanvas) {
    const context = canvas.getContext('webgpu');
    if (!context) throw new Error('virtio-gpu-web: WebGPU is not available on this canvas');
    this.context = context;
    this.format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({ device, format: this.format, usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC, alphaMode: 'opaque' });
    this.bindGroupLayout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.VERTEX, buffer: { type: 'uniform' } },
        { binding: 1, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'float' } },
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout] });
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    if (!fitCanvas(this.canvas, width, height)) return;
    this.frame = this.replaceLayer(this.frame, width, height);
  }

  upload(region: PixelRegion, x: number, y: number): void {
    if (!this.frame) return;
    this.pixelFormat = region.format;
    this.device.queue.writeTexture(
      { texture: this.frame.texture, origin: { x, y } },
      // The spec accepts views on a SharedArrayBuffer here; @webgpu/types does not say so yet.
      region.pixels as Uint8Array<ArrayBuffer>,
      { offset: region.y * region.stride + region.x * 4, bytesPerRow: region.stride, rowsPerImage: region.height },
      { width: region.width, height: region.height },
    );
  }

  setCursorImage(image: CursorImage | null): void {
    if (!image) return;
    this.cursor = this.replaceLayer(this.cursor, image.width, image.height);
    this.device.queue.writeTexture({ texture: this.cursor.texture }, image.rgba as Uint8Array<ArrayBuffer>, { bytesPerRow: image.width * 4 }, { width: image.width, height: image.height });
  }

  present(cursor: CursorPlacement | null): Promise<void> {
    this.render(cursor);
    return this.device.queue.onSubmittedWorkDone();
  }

  async read(cursor: CursorPlacement | null): Promise<Capture> {
    const { width, height } = this;
    if (width === 0 || height === 0) return { width: 0, height: 0, data: new Uint8Array(0) };
    const rowBytes = width * 4;
    const paddedRow = Math.ceil(rowBytes / 256) * 256;
    const buffer = this.device.createBuffer({ size: paddedRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    this.render(cursor, (encoder, texture) => encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow: paddedRow }, { width, height }));
    await buffer.mapAsync(GPUMapMode.READ);
    const mapped = new Uint8Array(buffer.getMappedRange());
    const data = new Uint8Array(rowBytes * height);
    for (let y = 0; y < height; y++) data.set(mapped.subarray(y * paddedRow, y * paddedRow + rowBytes), y * rowBytes);
    buffer.destroy();
    if (this.format === 'bgra8unorm') for (let i = 0; i < data.length; i += 4) [data[i], data[i + 2]] = [data[i + 2] as number, data[i] as number];
    return { width, height, data };
  }

  destroy(): void {
    for (const layer of [this.frame, this.cursor]) {
      layer?.texture.destroy();
      layer?.params.destroy();
    }
    this.context.unconfigure();
  }

  /** Draws the frame and cursor into the canvas's current texture; `after` may add commands that read it. */
  private render(cursor: CursorPlacement | null, after?: (encoder: GPUCommandEncoder, texture: GPUTexture) => void): void {
    const { device } = this;
    if (this.frame) device.queue.writeBuffer(this.frame.params, 0, drawParams(this.params, 0, 0, this.width, this.height, this.width, this.height));
    if (cursor && this.cursor) device.queue.writeBuffer(this.cursor.params, 0, drawParams(this.params, cursor.x, cursor.y, cursor.image.width, cursor.image.height, this.width, this.height));
    const encoder = device.createCommandEncoder();
    const texture = this.context.getCurrentTexture();
    const pass = encoder.beginRenderPass({ colorAttachments: [{ view: texture.createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 0, g: 0, b: 0, a: 1 } }] });
    if (this.frame && this.width > 0 && this.height > 0) {
      this.drawLayer(pass, this.frame, this.pixelFormat);
      if (cursor && this.cursor) this.drawLayer(pass, this.cursor, CURSOR_TEXELS);
    }
    pass.end();
    after?.(encoder, texture);
    device.queue.submit([encoder.finish()]);
  }

  private drawLayer(pass: GPURenderPassEncoder, layer: Layer, format: number): void {
    pass.setPipeline(this.pipelineFor(format));
    pass.setBindGroup(0, layer.bindGroup);
    pass.draw(4);
  }

  private pipelineFor(format: number): GPURenderPipeline {
    let pipeline = this.pipelines.get(format);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: shader(colourOf(format, 'vec4f')) });
      const blend = format === CURSOR_TEXELS ? { blend: { color: OVER, alpha: OVER } } : {};
      pipeline = this.device.createRenderPipeline({
        layout: this.pipelineLayout,
        vertex: { module, entryPoint: 'vs' },
        fragment: { module, entryPoint: 'fs', targets: [{ format: this.format, ...blend }] },
        primitive: { topology: 'triangle-strip' },
      });
      this.pipelines.set(format, pipeline);
    }
    return pipeline;
  }

  private replaceLayer(old: Layer | null, width: number, height: number): Layer {
    if (old && old.texture.width === width && old.texture.height === height) return old;
    old?.texture.destroy();
    const texture = this.device.createTexture({ size: { width, height }, format: 'rgba8unorm', usage: textureUsage() });
    const params = old?.params ?? this.device.createBuffer({ size: PARAMS_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const bindGroup = this.device.createBindGroup({
      layout: this.bindGroupLayout,
      entries: [{ binding: 0, resource: { buffer: params } }, { binding: 1, resource: texture.createView() }],
    });
    return { texture, params, bindGroup };
  }
}
