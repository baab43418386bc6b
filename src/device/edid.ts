/**
 * EDID 1.4 base block (VESA E-EDID) describing a virtual monitor whose
 * preferred mode (the first detailed timing) is the scanout's size.
 */

export const EDID_BLOCK_SIZE = 128;
/** The largest size one detailed timing descriptor can carry (12-bit fields). */
export const EDID_MAX_DIMENSION = 4095;

const MANUFACTURER = 'VGW';
const PRODUCT_CODE = 0x1af4;
const MONITOR_NAME = 'VirtioGPU Web';
const DPI = 96;
const REFRESH_HZ = 60;
/** 16-bit pixel clock in 10 kHz units. */
const MAX_PIXEL_CLOCK_10KHZ = 0xffff;

/** Modes a standard timing can name, with their aspect-ratio code. */
const STANDARD_MODES: readonly (readonly [width: number, height: number, aspect: number])[] = [
  [1280, 720, 3],
  [1280, 800, 0],
  [1280, 1024, 2],
  [1440, 900, 0],
  [1600, 900, 3],
  [1680, 1050, 0],
  [1920, 1080, 3],
  [1920, 1200, 0],
];

/** Established timings at 60 Hz: byte, bit (640x480, 800x600, 1024x768). */
const ESTABLISHED_MODES: readonly (readonly [byte: number, bit: number])[] = [
  [35, 5],
  [35, 0],
  [36, 3],
];

export interface EdidOptions {
  width: number;
  height: number;
  /** Distinguishes monitors on different scanouts. */
  serial: number;
}

export function buildEdid({ width, height, serial }: EdidOptions): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > EDID_MAX_DIMENSION || height > EDID_MAX_DIMENSION) {
    throw new RangeError(`an EDID detailed timing holds sizes 1..${EDID_MAX_DIMENSION}, not ${width}x${height}`);
  }
  const e = new Uint8Array(EDID_BLOCK_SIZE);
  e.set([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], 0);
  const id = [...MANUFACTURER].reduce((acc, c) => (acc << 5) | (c.charCodeAt(0) - 64), 0);
  e[8] = id >> 8;
  e[9] = id & 0xff;
  e[10] = PRODUCT_CODE & 0xff;
  e[11] = PRODUCT_CODE >> 8;
  for (let i = 0; i < 4; i++) e[12 + i] = (serial >>> (8 * i)) & 0xff;
  e[16] = 0xff; // model year, not week of manufacture
  e[17] = 2025 - 1990;
  e[18] = 1;
  e[19] = 4;
  e[20] = 0xa5; // digital, 8 bits per colour, DisplayPort
  const widthMm = Math.round((width * 25.4) / DPI);
  const heightMm = Math.round((height * 25.4) / DPI);
  e[21] = Math.min(255, Math.max(1, Math.round(widthMm / 10)));
  e[22] = Math.min(255, Math.max(1, Math.round(heightMm / 10)));
  e[23] = 120; // gamma 2.2
  e[24] = 0x06; // sRGB default colour space, preferred timing is native
  writeChromaticity(e, 25);
  for (const [byte, bit] of ESTABLISHED_MODES) e[byte] = (e[byte] as number) | (1 << bit);
  writeStandardTimings(e, 38, width, height);
  writeDetailedTiming(e, 54, width, height, widthMm, heightMm);
  writeTextDescriptor(e, 72, 0xfc, MONITOR_NAME);
  writeTextDescriptor(e, 90, 0xff, serial.toString(16).padStart(8, '0'));
  writeTextDescriptor(e, 108, 0x10, '');
  e[126] = 0; // no extension blocks
  e[127] = (256 - (e.subarray(0, 127).reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return e;
}

function writeChromaticity(e: Uint8Array, at: number): void {
  // sRGB primaries and D65 white, as 10-bit fractions.
  const [rx, ry, gx, gy, bx, by, wx, wy] = [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329].map((v) => Math.round(v * 1024)) as [
    number, number, number, number, number, number, number, number,
  ];
  const lo = (v: number, shift: number): number => (v & 3) << shift;
  e[at] = lo(rx, 6) | lo(ry, 4) | lo(gx, 2) | lo(gy, 0);
  e[at + 1] = lo(bx, 6) | lo(by, 4) | lo(wx, 2) | lo(wy, 0);
  [rx, ry, gx, gy, bx, by, wx, wy].forEach((v, i) => { e[at + 2 + i] = v >> 2; });
}

/** Standard modes other than the preferred one: the guest may choose any mode a presenter can show. */
function writeStandardTimings(e: Uint8Array, at: number, width: number, height: number): void {
  const fitting = STANDARD_MODES.filter(([w, h]) => !(w === width && h === height));
  for (let i = 0; i < 8; i++) {
    const mode = fitting[i];
    e[at + 2 * i] = mode ? mode[0] / 8 - 31 : 0x01;
    e[at + 2 * i + 1] = mode ? (mode[2] << 6) | (REFRESH_HZ - 60) : 0x01;
  }
}

/** Reduced-blanking timing (CVT-RB proportions) for the preferred mode. */
function writeDetailedTiming(e: Uint8Array, at: number, width: number, height: number, widthMm: number, heightMm: number): void {
  const hFront = 48, hSync = 32, hBlank = 160;
  const vFront = 3, vSync = 6;
  const vBlank = Math.max(vFront + vSync + 6, Math.ceil((460e-6 * REFRESH_HZ * height) / (1 - 460e-6 * REFRESH_HZ)));
  const total = (width + hBlank) * (height + vBlank);
  const clock = Math.min(MAX_PIXEL_CLOCK_10KHZ, Math.round((total * REFRESH_HZ) / 10_000));
  e[at] = clock & 0xff;
  e[at + 1] = clock >> 8;
  e[at + 2] = width & 0xff;
  e[at + 3] = hBlank & 0xff;
  e[at + 4] = ((width >> 8) << 4) | (hBlank >> 8);
  e[at + 5] = height & 0xff;
  e[at + 6] = vBlank & 0xff;
  e[at + 7] = ((height >> 8) << 4) | (vBlank >> 8);
  e[at + 8] = hFront & 0xff;
  e[at + 9] = hSync & 0xff;
  e[at + 10] = ((vFront & 0xf) << 4) | (vSync & 0xf);
  e[at + 11] = ((hFront >> 8) << 6) | ((hSync >> 8) << 4) | ((vFront >> 4) << 2) | (vSync >> 4);
  e[at + 12] = widthMm & 0xff;
  e[at + 13] = heightMm & 0xff;
  e[at + 14] = (((widthMm >> 8) & 0xf) << 4) | ((heightMm >> 8) & 0xf);
  e[at + 15] = 0;
  e[at + 16] = 0;
  e[at + 17] = 0x1a; // digital separate sync, hsync +, vsync -
}

function writeTextDescriptor(e: Uint8Array, at: number, tag: number, text: string): void {
  e.fill(0, at, at + 18);
  e[at + 3] = tag;
  if (tag === 0x10) return;
  const body = (text.slice(0, 13) + (text.length < 13 ? '\n' : '')).padEnd(13, ' ');
  for (let i = 0; i < 13; i++) e[at + 5 + i] = body.charCodeAt(i);
}
