/** Gallium's state enums (as virgl carries them) in WebGL2's terms: one lookup table each, undefined for what WebGL2 lacks. */

/** PIPE_PRIM_POINTS..TRIANGLE_FAN share GL's numbers; the guest converts quads and polygons itself (the caps leave them out). */
export const primitiveMode = (mode: number): number | undefined => (mode <= 6 ? mode : undefined);

/** PIPE_FUNC_NEVER..ALWAYS: GL_NEVER (0x200) onwards, in the same order. */
export const compareFunc = (func: number): number => 0x0200 + (func & 7);

const STENCIL_OPS = [0x1e00, 0, 0x1e01, 0x1e02, 0x1e03, 0x8507, 0x8508, 0x150a] as const;
/** PIPE_STENCIL_OP_KEEP, ZERO, REPLACE, INCR, DECR, INCR_WRAP, DECR_WRAP, INVERT. */
export const stencilOp = (op: number): number => STENCIL_OPS[op & 7]!;

const BLEND_FUNCS = [0x8006, 0x800a, 0x800b, 0x8007, 0x8008] as const;
/** PIPE_BLEND_ADD, SUBTRACT, REVERSE_SUBTRACT, MIN, MAX. */
export const blendFunc = (func: number): number => BLEND_FUNCS[func] ?? BLEND_FUNCS[0];

const ONE = 1;
const ZERO = 0;
/** PIPE_BLENDFACTOR_* by number; the dual-source ones (SRC1) have no WebGL2 form and never come: the caps offer no dual-source blending. */
const BLEND_FACTORS: Readonly<Record<number, number>> = {
  0x01: ONE,
  0x02: 0x0300, // SRC_COLOR
  0x03: 0x0302, // SRC_ALPHA
  0x04: 0x0304, // DST_ALPHA
  0x05: 0x0306, // DST_COLOR
  0x06: 0x0308, // SRC_ALPHA_SATURATE
  0x07: 0x8001, // CONSTANT_COLOR
  0x08: 0x8003, // CONSTANT_ALPHA
  0x11: ZERO,
  0x12: 0x0301, // ONE_MINUS_SRC_COLOR
  0x13: 0x0303, // ONE_MINUS_SRC_ALPHA
  0x14: 0x0305, // ONE_MINUS_DST_ALPHA
  0x15: 0x0307, // ONE_MINUS_DST_COLOR
  0x17: 0x8002, // ONE_MINUS_CONSTANT_COLOR
  0x18: 0x8004, // ONE_MINUS_CONSTANT_ALPHA
};
export const blendFactor = (factor: number): number => BLEND_FACTORS[factor] ?? ONE;

const REPEAT = 0x2901;
const CLAMP_TO_EDGE = 0x812f;
const MIRRORED_REPEAT = 0x8370;
/** PIPE_TEX_WRAP_*: WebGL2 has no border colour or mirror-clamp, so those clamp to the edge (the nearest it has). */
const WRAPS = [REPEAT, CLAMP_TO_EDGE, CLAMP_TO_EDGE, CLAMP_TO_EDGE, MIRRORED_REPEAT, CLAMP_TO_EDGE, CLAMP_TO_EDGE, CLAMP_TO_EDGE] as const;
export const wrapMode = (wrap: number): number => WRAPS[wrap & 7]!;

const NEAREST = 0x2600;
const LINEAR = 0x2601;
/** Minification filter from the image filter (PIPE_TEX_FILTER_NEAREST, LINEAR) and the mip filter (NEAREST, LINEAR, NONE). */
export function minFilter(image: number, mip: number): number {
  if (mip === 2) return image === 1 ? LINEAR : NEAREST;
  // NEAREST_MIPMAP_NEAREST 0x2700, LINEAR_MIPMAP_NEAREST 0x2701, NEAREST_MIPMAP_LINEAR 0x2702, LINEAR_MIPMAP_LINEAR 0x2703.
  return 0x2700 + (image === 1 ? 1 : 0) + (mip === 1 ? 2 : 0);
}
export const magFilter = (image: number): number => (image === 1 ? LINEAR : NEAREST);

const CW = 0x0900;
const CCW = 0x0901;
/**
 * frontFace's argument for gallium's front_ccw. Gallium judges winding in its
 * window space, y down; GL in its own, y up. Stored rows are gallium's rows
 * (host y = gallium y, the y-flipped window-system case included), so the same
 * triangle turns the other way in GL's terms: counter-clockwise fronts are GL's
 * clockwise ones, whatever the viewport's sign.
 */
export const frontFace = (frontCcw: boolean): number => (frontCcw ? CW : CCW);

/** PIPE_FACE_NONE, FRONT, BACK, FRONT_AND_BACK as cullFace's argument (null: culling off). */
export function cullFace(face: number): number | null {
  switch (face) {
    case 1:
      return 0x0404; // FRONT
    case 2:
      return 0x0405; // BACK
    case 3:
      return 0x0408; // FRONT_AND_BACK
    default:
      return null;
  }
}
