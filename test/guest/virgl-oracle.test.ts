/**
 * 3D end to end: the 3d guest's Mesa drives the device with virgl (a
 * recording renderer accepts the streams), each program's session is
 * recorded as a trace (the test programs' from the trace cache, gl-traces.ts),
 * and the reference renderer (virglrenderer on llvmpipe) replays it. The
 * frames it draws must hold the exact colours the programs' scenes define
 * (guest/gl-test-checks.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pixel } from '../../guest/drm-test-checks.ts';
import { GL_PROGRAM_PIXELS, GL_PROGRAMS, glProbes } from '../../guest/gl-test-checks.ts';
import { runOracle, type OracleSummary } from '../../scripts/oracle.mjs';
import type { GuestSession } from '../../src/node/guest-session.ts';
import { bootGlGuest, ensureGlRecordings, GL_SCANOUT, recordRun, type GlRecording } from './gl-traces.ts';

const { width: WIDTH, height: HEIGHT } = GL_SCANOUT;
let guest: GuestSession;
let programs: Map<string, GlRecording>;
const out = mkdtempSync(join(tmpdir(), 'vgw-virgl-'));

beforeAll(async () => {
  guest = await bootGlGuest();
  programs = await ensureGlRecordings(guest);
}, 900_000);

afterAll(async () => {
  await guest?.stop();
});

interface Image {
  name: string;
  width: number;
  height: number;
  data: Uint8Array;
}

interface Replayed {
  output: string;
  summary: OracleSummary;
  frames: Image[];
  readbacks: Image[];
}

/** Replays `trace` on the reference renderer and returns its summary and the images it wrote. */
async function replay(name: string, trace: string, output: string): Promise<Replayed> {
  const dir = join(out, name);
  const run = await runOracle(trace, dir, { stats: true });
  expect(run.status, run.stderr).toBe(0);
  const summary = run.summary as OracleSummary;
  const images = readdirSync(dir).sort().map((file): Image => {
    const png = PNG.sync.read(readFileSync(join(dir, file)));
    return { name: file, width: png.width, height: png.height, data: png.data };
  });
  return { output, summary, frames: images.filter((i) => i.name.startsWith('frame-')), readbacks: images.filter((i) => i.name.startsWith('readback-')) };
}

/** A test program's cached trace, replayed. */
function replayProgram(program: string): Promise<Replayed> {
  const { trace, output } = programs.get(program) as GlRecording;
  return replay(program, trace, output);
}

/** Runs `command` in the guest with the device recording, and replays the trace. */
async function recordAndReplay(name: string, command: string, seconds: number): Promise<Replayed> {
  const { trace, output } = await recordRun(guest, command, seconds);
  const file = join(out, `${name}.trace`);
  writeFileSync(file, trace);
  return replay(name, file, output);
}

const RED = [255, 0, 0, 255];

/**
 * Probes whose colour in a trace differs from a live run's: the recording
 * renderer draws nothing, so it answers every query that nothing passed or
 * was written, and gives back no captured vertices. vgw-gl-query marks the
 * visible rectangle's answer wrong (red), vgw-gl-xfb its three checks of what
 * the guest read back (the square drawn from the capture is drawn on the host,
 * so the reference draws it right).
 */
const TRACED_OTHERWISE: Readonly<Record<string, Record<string, readonly number[]>>> = {
  'vgw-gl-query': { 'visible-answer': RED },
  'vgw-gl-xfb': { interleaved: RED, written: RED, separate: RED },
};

/** Probes of images the programs draw off screen (render targets they read back), not on the scanout. */
const OFF_SCREEN = /^(texture|target)/;

describe('virgl streams of the 3D test programs, rendered by the reference renderer', () => {
  it.each(GL_PROGRAMS.filter((p) => p !== 'vgw-gl-readpixels'))('%s: every probe read back, and the frame, hold the scene\'s colours', async (program) => {
    const expected = { ...GL_PROGRAM_PIXELS[program], ...TRACED_OTHERWISE[program] } as Record<string, readonly number[]>;
    const { output, summary, frames, readbacks } = await replayProgram(program);
    expect(summary.totals).toMatchObject({ skipped_failed: 0, renderer_errors: 0, stream_errors: 0, unknown_commands: 0 });
    const probes = glProbes(program, output);
    expect(probes.map((p) => p.name).sort()).toEqual(Object.keys(expected).sort());
    // Each probe is one glReadPixels of one pixel: one readback each, in order.
    expect(readbacks.map((r) => `${r.width}x${r.height}`)).toEqual(probes.map(() => '1x1'));
    expect(readbacks.map((r, i) => [probes[i]!.name, pixel(r, 0, 0)])).toEqual(probes.map((p) => [p.name, [...expected[p.name]!]]));
    // The frame the program showed, in the scanout's top-down rows (GL counts rows from the bottom).
    const frame = frames.at(-1) as Image;
    expect([frame.width, frame.height]).toEqual([WIDTH, HEIGHT]);
    const onScreen = probes.filter((p) => !OFF_SCREEN.test(p.name));
    expect(onScreen.map((p) => [p.name, pixel(frame, p.x, HEIGHT - 1 - p.y)])).toEqual(onScreen.map((p) => [p.name, [...expected[p.name]!]]));
  }, 200_000);

  it('vgw-gl-readpixels: the whole frame read back has the four quarter colours', async () => {
    const expected = GL_PROGRAM_PIXELS['vgw-gl-readpixels'] as Record<string, readonly number[]>;
    const { readbacks } = await replayProgram('vgw-gl-readpixels');
    expect(readbacks.length).toBe(1);
    const frame = readbacks[0] as Image;
    expect([frame.width, frame.height]).toEqual([WIDTH, HEIGHT]);
    // The reference renderer writes the read rows top-down, as the scanout shows them.
    const at = (fx: number, fy: number) => pixel(frame, Math.floor(fx * WIDTH), Math.floor(fy * HEIGHT));
    expect({ 'bottom-left': at(0.25, 0.75), 'bottom-right': at(0.75, 0.75), 'top-left': at(0.25, 0.25), 'top-right': at(0.75, 0.25) }).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v]])),
    );
  }, 200_000);

  it('kmscube: frames of a lit cube that turns', async () => {
    const console0 = guest.device.scanouts[0]!.resourceId;
    const { summary, frames } = await recordAndReplay('kmscube', 'kmscube -c 12', 300);
    expect(summary.totals).toMatchObject({ skipped_failed: 0, renderer_errors: 0, stream_errors: 0 });
    const cube = frames.filter((f) => !f.name.endsWith(`-r${console0}.png`));
    expect(cube.length).toBeGreaterThanOrEqual(10);
    const colours = (f: Image) => new Set(Array.from({ length: 64 }, (_, i) => pixel(f, (f.width / 2 - 128 + (i % 8) * 32) | 0, (f.height / 2 - 128 + Math.floor(i / 8) * 32) | 0).join()));
    const last = cube.at(-1) as Image;
    // A cube of shaded faces over the grey background, not an empty or flat frame.
    expect(pixel(last, 2, 2)).toEqual([128, 128, 128, 255]);
    expect(colours(last).size).toBeGreaterThan(20);
    expect(Buffer.compare(Buffer.from(cube[2]!.data), Buffer.from(last.data))).not.toBe(0);
    expect(guest.deviceLog).toEqual([]);
  }, 400_000);

  it('glmark2-es2-drm: the build scene runs with recording on and replays cleanly', async () => {
    const console0 = guest.device.scanouts[0]!.resourceId;
    // a=0: an XRGB surface, the one format the guest's KMS plane takes.
    const { output, summary, frames } = await recordAndReplay('glmark2', `glmark2-es2-drm --visual-config a=0 -s ${WIDTH}x${HEIGHT} -b build:duration=1`, 300);
    expect(output).toMatch(/\[build\] duration=1: FPS: \d+/);
    expect(output).toContain('virtio-gpu-web (OpenGL ES 3.0 profile)');
    expect(summary.totals).toMatchObject({ skipped_failed: 0, renderer_errors: 0, stream_errors: 0 });
    expect(summary.virgl.find((v) => v.name === 'DRAW_VBO')?.count).toBeGreaterThan(0);
    const lit = frames.filter((f) => !f.name.endsWith(`-r${console0}.png`) && f.data.some((v, i) => i % 4 !== 3 && v > 64));
    expect(lit.length).toBeGreaterThan(0);
    expect(guest.deviceLog).toEqual([]);
    expect(await guest.driverProblems()).toEqual([]);
  }, 400_000);
});
