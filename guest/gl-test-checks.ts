/**
 * What the 3D test programs (guest/programs-3d/vgw-gl-*.c) must print: the
 * exact colour of every probed pixel, whatever renders the frames (Mesa's
 * software rasterizer in the guest, or virgl through the device). The
 * programs choose the positions (GL window coordinates, origin bottom-left)
 * and print them with each pixel: `NAME: pixel PROBE X,Y = R,G,B,A`.
 */
type Rgba = readonly [number, number, number, number];

const RED: Rgba = [255, 0, 0, 255];
const GREEN: Rgba = [0, 255, 0, 255];
const BLUE: Rgba = [0, 0, 255, 255];
const YELLOW: Rgba = [255, 255, 0, 255];
const CYAN: Rgba = [0, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];

export const GL_PROGRAM_PIXELS: Readonly<Record<string, Readonly<Record<string, Rgba>>>> = {
  'vgw-gl-clear': { outside: [64, 128, 192, 255], inside: [255, 128, 0, 255] },
  'vgw-gl-triangle': { left: RED, right: GREEN, between: BLACK },
  'vgw-gl-indexed': { inside: YELLOW, corner: YELLOW, outside: BLACK },
  'vgw-gl-texture': { 'bottom-left': RED, 'bottom-right': GREEN, 'top-left': BLUE, 'top-right': [255, 255, 255, 255] },
  'vgw-gl-depth': { 'near-only': GREEN, overlap: GREEN, 'far-only': RED, background: BLACK },
  'vgw-gl-blend': { added: [128, 0, 64, 255], both: [128, 0, 32, 255], subtracted: [0, 0, 32, 255], background: [0, 0, 64, 255] },
  'vgw-gl-ubo': { 'first-block': CYAN, 'second-block': [255, 0, 255, 255], between: BLACK },
  'vgw-gl-rtt': { 'texture-left': BLUE, 'texture-right': YELLOW, 'frame-left': BLUE, 'frame-right': YELLOW },
  'vgw-gl-readpixels': { 'bottom-left': RED, 'bottom-right': GREEN, 'top-left': BLUE, 'top-right': YELLOW },
  'vgw-gl-instancing': { 'instance-0': RED, 'instance-1': GREEN, 'instance-2': BLUE, background: BLACK },
  'vgw-gl-mrt': {
    'target0-left': RED,
    'target0-right': YELLOW,
    'target1-left': BLUE,
    'target1-right': CYAN,
    'frame-target0-left': RED,
    'frame-target0-right': YELLOW,
    'frame-target1-left': BLUE,
    'frame-target1-right': CYAN,
  },
  'vgw-gl-query': { 'hidden-answer': GREEN, 'visible-answer': GREEN, occluder: BLUE, visible: YELLOW },
  'vgw-gl-xfb': { interleaved: GREEN, written: GREEN, separate: GREEN, 'captured-square': [255, 0, 255, 255], outside: BLACK },
};

export const GL_PROGRAMS = Object.keys(GL_PROGRAM_PIXELS);

export interface GlProbe {
  name: string;
  x: number;
  y: number;
  rgba: number[];
}

/** The pixels `program` printed, in order. */
export function glProbes(program: string, output: string): GlProbe[] {
  const line = new RegExp(`^${program}: pixel (\\S+) (\\d+),(\\d+) = (\\d+),(\\d+),(\\d+),(\\d+)$`, 'gm');
  return [...output.matchAll(line)].map(([, name, x, y, ...rgba]) => ({ name: name as string, x: Number(x), y: Number(y), rgba: rgba.map(Number) }));
}

/** What is wrong with `program`'s output: a missing or wrong pixel, an unknown probe, a failure, no "ok". */
export function glProgramMismatches(program: string, output: string): string[] {
  const expected = GL_PROGRAM_PIXELS[program];
  if (!expected) return [`${program} is not a known 3D test program`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name: probe, x, y, rgba } of glProbes(program, output)) {
    const want = expected[probe];
    seen.add(probe);
    if (!want) problems.push(`${program}: unknown probe ${probe}`);
    else if (rgba.join() !== want.join()) problems.push(`${program}: ${probe} at ${x},${y} is ${rgba.join()}, want ${want.join()}`);
  }
  for (const probe of Object.keys(expected)) if (!seen.has(probe)) problems.push(`${program}: no pixel ${probe} printed`);
  const failure = new RegExp(`^${program}: FAIL .*$`, 'm').exec(output);
  if (failure) problems.push(failure[0]);
  if (!new RegExp(`^${program}: ok$`, 'm').test(output)) problems.push(`${program}: did not print "ok"`);
  return problems;
}
