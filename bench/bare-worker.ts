/**
 * The baseline for the presenter benchmark: the least a worker must do to show
 * a changed region, written straight against each API (upload the region,
 * draw it, let the frame present), with none of the presenter's machinery,
 * on canvases made with the presenter's own settings.
 */
import { CANVAS2D_SETTINGS } from '../src/presenters/canvas2d-surface.ts';
import { WEBGL2_SETTINGS } from '../src/presenters/webgl2-surface.ts';

interface BareJob {
  canvas: OffscreenCanvas;
  backend: 'webgpu' | 'webgl2' | 'canvas2d';
  pixels: Uint8Array;
  width: number;
  height: number;
  rect: { x: number; y: number; width: number; height: number };
  seconds: number;
}

/** Lets the frame present: a task boundary without timer clamping. */
const yieldTask = (() => {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () => new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
})();

async function drawer(job: BareJob): Promise<() => Promise<void>> {
  const { canvas, pixels, width, height, rect } = job;
  canvas.width = width;
  canvas.height = height;
  if (job.backend === 'canvas2d') {
    const ctx = canvas.getContext('2d', CANVAS2D_SETTINGS) as OffscreenCanvasRenderingContext2D;
    const image = new ImageData(new Uint8ClampedArray(pixels), width, height);
    return async () => {
      ctx.putImageData(image, 0, 0, rect.x, rect.y, rect.width, rect.height);
      await yieldTask();
    };
  }
  if (job.backend === 'webgl2') {
    const gl = canvas.getContext('webgl2', WEBGL2_SETTINGS) as WebGL2RenderingContext;
    const program = gl.createProgram();
    const vs = gl.createShader(gl.VERTEX_SHADER) as WebGLShader;
    gl.shaderSource(vs, '#version 300 es\nout vec2 uv; void main() { vec2 c = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)); uv = c; gl_Position = vec4(c * 2.0 - 1.0, 0.0, 1.0); }');
    const fs = gl.createShader(gl.FRAGMENT_SHADER) as WebGLShader;
    gl.shaderSource(fs, '#version 300 es\nprecision highp float; uniform sampler2D t; in vec2 uv; out vec4 c; void main() { c = texture(t, uv); }');
    for (const s of [vs, fs]) {
      gl.compileShader(s);
      gl.attachShader(program, s);
    }
    gl.linkProgram(program);
    gl.useProgram(program);
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, width);
    return async () => {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, rect.x, rect.y, rect.width, rect.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels, (rect.y * width + rect.x) * 4);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      await yieldTask();
    };
  }
  const adapter = await navigator.gpu.requestAdapter();
  const device = await (adapter as GPUAdapter).requestDevice();
  const context = canvas.getContext('webgpu') as GPUCanvasContext;
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const texture = device.createTexture({ size: { width, height }, format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
  const module = device.createShaderModule({
    code: `@group(0) @binding(0) var t: texture_2d<f32>;
      struct V { @builtin(position) p: vec4f, @location(0) uv: vec2f }
      @vertex fn vs(@builtin(vertex_index) i: u32) -> V { let c = vec2f(f32(i & 1u), f32(i >> 1u)); return V(vec4f(c.x * 2.0 - 1.0, 1.0 - c.y * 2.0, 0.0, 1.0), c); }
      @fragment fn fs(v: V) -> @location(0) vec4f { let s = vec2f(textureDimensions(t)); return textureLoad(t, vec2i(min(v.uv * s, s - 1.0)), 0); }`,
  });
  const pipeline = device.createRenderPipeline({ layout: 'auto', vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: 'fs', targets: [{ format }] }, primitive: { topology: 'triangle-strip' } });
  const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: texture.createView() }] });
  return async () => {
    device.queue.writeTexture({ texture, origin: { x: rect.x, y: rect.y } }, pixels as Uint8Array<ArrayBuffer>, { offset: (rect.y * width + rect.x) * 4, bytesPerRow: width * 4 }, { width: rect.width, height: rect.height });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginRenderPass({ colorAttachments: [{ view: context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store' }] });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.draw(4);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    await yieldTask();
  };
}

self.onmessage = async (event: MessageEvent<BareJob>) => {
  const job = event.data;
  const draw = await drawer(job);
  for (let i = 0; i < 3; i++) await draw();
  const latencies: number[] = [];
  const start = performance.now();
  let now = start;
  while (now - start < job.seconds * 1000) {
    const at = (job.rect.y * job.width + job.rect.x) * 4;
    job.pixels[at] = (job.pixels[at] ?? 0) ^ 0xff;
    // Paced as the presenter is: one frame per display refresh.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await draw();
    const t = performance.now();
    latencies.push(t - now);
    now = t;
  }
  self.postMessage({ frames: latencies.length, seconds: (now - start) / 1000, latencies });
};
