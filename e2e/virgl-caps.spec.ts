/**
 * The virgl capsets follow the page's WebGL2: the GPU worker reads its
 * context's limits before the device offers virgl, and the capset the page's
 * device answers is the one computed from them (no guest needed).
 */
import { expect, test } from '@playwright/test';
import { WEBGL2_MINIMUM_LIMITS, type HostGlLimits } from '../src/device/host-gl-limits.ts';
import { virglCapset } from '../src/device/virgl-caps.ts';
import { CapsetId } from '../src/protocol/constants.ts';

test("the device offers the capset computed from the GPU worker's WebGL2 limits", async ({ page }) => {
  await page.goto('/e2e/pages/presenter.html');
  await page.waitForFunction(() => 'harness' in window);
  const started = await page.evaluate(() => window.harness.startVirgl(64, 48));
  if ('reason' in started) throw new Error(`the GPU worker has no 3D: ${started.reason}`);
  const { limits, capset } = started;
  const names = Object.keys(WEBGL2_MINIMUM_LIMITS) as (keyof HostGlLimits)[];
  console.log(`[virgl-caps] the worker's WebGL2 limits (WebGL2's minimums):\n${names.map((name) => `  ${name}: ${String(limits[name])} (${String(WEBGL2_MINIMUM_LIMITS[name])})`).join('\n')}`);
  expect(Object.keys(limits).sort()).toEqual([...names].sort());
  const caps = Uint8Array.from(capset);
  expect(caps).toEqual(virglCapset(CapsetId.VIRGL2, 2, limits));
  const v = new DataView(caps.buffer);
  expect(v.getUint32(484, true), 'max_texture_2d_size').toBe(Math.min(limits.maxTextureSize, 8192));
  expect(v.getUint32(280, true), 'max_render_targets').toBe(Math.min(limits.maxDrawBuffers, limits.maxColorAttachments, 8));
  expect(v.getUint32(356, true), 'max_vertex_attribs').toBe(Math.min(limits.maxVertexAttribs, 32));
  expect(v.getFloat32(312, true), 'max_aliased_point_size').toBe(Math.max(limits.maxAliasedPointSize, 64));
  expect(v.getFloat32(760, true), 'max_anisotropy').toBe(Math.min(limits.maxTextureMaxAnisotropy, 16));
  expect(limits.colorBufferFloat).toBe(true);
});
