/**
 * GLSL functions for TGSI operations that GLSL ES 3.00 lacks (bitfield operations, high multiplies,
 * 8-bit packing, bit-exact selection, minimum and maximum with TGSI's NaN rule); a shader gets only
 * the ones it uses. They work on four channels, except the selection, minimum and maximum, which
 * have one overload per vector width.
 */

export type HelperName =
  | 'fmin'
  | 'fmax'
  | 'select'
  | 'bfmask'
  | 'bfi'
  | 'ubfe'
  | 'ibfe'
  | 'brev'
  | 'popc'
  | 'lsb'
  | 'umsb'
  | 'imsb'
  | 'umulhi'
  | 'imulhi'
  | 'pack4x8'
  | 'unpack4x8';

interface Helper {
  readonly uses: readonly HelperName[];
  readonly source: string;
}

/**
 * The bitfield helpers follow TGSI's (Direct3D's) rules: offset and width taken modulo 32, a width
 * of 0 gives 0, and a field running past bit 31 is cut there; BFI follows GLSL's bitfieldInsert.
 * Shifts by 32 or more give undefined values in GLSL, so every such case is multiplied by 0.
 */
/**
 * TGSI's MIN and MAX return the other operand when one is NaN (IEEE 754's minNum and maxNum, as
 * the reference's llvmpipe does); GLSL leaves min and max undefined there. mix() with a boolean
 * selector picks exactly, so a NaN not picked does not reach the result.
 */
function nanAware(name: 'min' | 'max'): Helper {
  return {
    uses: [],
    source: ['float', 'vec2', 'vec3', 'vec4']
      .map((type) => `${type} vgw_f${name}(${type} a, ${type} b) {
  return mix(mix(${name}(a, b), a, isnan(b)), b, isnan(a));
}`)
      .join('\n'),
  };
}

const HELPERS: Readonly<Record<HelperName, Helper>> = {
  fmin: nanAware('min'),
  fmax: nanAware('max'),
  select: {
    uses: [],
    source: [2, 3, 4]
      .map((n) => `uvec${n} vgw_select(bvec${n} c, uvec${n} a, uvec${n} b) {
  uvec${n} m = uvec${n}(c) * 0xffffffffu;
  return (a & m) | (b & ~m);
}`)
      .join('\n'),
  },
  bfmask: {
    uses: [],
    source: `uvec4 vgw_bfmask(uvec4 bits) {
  return (uvec4(0xffffffffu) >> (32u - clamp(bits, 1u, 32u))) * uvec4(notEqual(bits, uvec4(0u)));
}`,
  },
  bfi: {
    uses: ['bfmask'],
    source: `uvec4 vgw_bfi(uvec4 base, uvec4 insert, uvec4 offset, uvec4 bits) {
  uvec4 live = uvec4(lessThan(offset, uvec4(32u)));
  uvec4 m = (vgw_bfmask(bits) << (offset * live)) * live;
  return (base & ~m) | ((insert << (offset * live)) & m);
}`,
  },
  ubfe: {
    uses: [],
    source: `uvec4 vgw_ubfe(uvec4 value, uvec4 offset, uvec4 bits) {
  offset &= 31u;
  bits &= 31u;
  uvec4 left = uvec4(32u) - min(offset + bits, uvec4(32u));
  uvec4 live = uvec4(notEqual(bits, uvec4(0u)));
  return ((value << (left * live)) >> ((left + offset) * live)) * live;
}`,
  },
  ibfe: {
    uses: [],
    source: `ivec4 vgw_ibfe(ivec4 value, uvec4 offset, uvec4 bits) {
  offset &= 31u;
  bits &= 31u;
  uvec4 left = uvec4(32u) - min(offset + bits, uvec4(32u));
  uvec4 live = uvec4(notEqual(bits, uvec4(0u)));
  return ((value << (left * live)) >> ((left + offset) * live)) * ivec4(live);
}`,
  },
  brev: {
    uses: [],
    source: `uvec4 vgw_brev(uvec4 v) {
  v = ((v >> 1u) & 0x55555555u) | ((v & 0x55555555u) << 1u);
  v = ((v >> 2u) & 0x33333333u) | ((v & 0x33333333u) << 2u);
  v = ((v >> 4u) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4u);
  v = ((v >> 8u) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8u);
  return (v >> 16u) | (v << 16u);
}`,
  },
  popc: {
    uses: [],
    source: `ivec4 vgw_popc(uvec4 v) {
  v = v - ((v >> 1u) & 0x55555555u);
  v = (v & 0x33333333u) + ((v >> 2u) & 0x33333333u);
  v = (v + (v >> 4u)) & 0x0f0f0f0fu;
  return ivec4((v * 0x01010101u) >> 24u);
}`,
  },
  lsb: {
    uses: ['popc'],
    source: `ivec4 vgw_lsb(uvec4 v) {
  return vgw_popc((v & (~v + 1u)) - 1u) - 33 * ivec4(equal(v, uvec4(0u)));
}`,
  },
  umsb: {
    uses: ['popc'],
    source: `ivec4 vgw_umsb(uvec4 v) {
  v |= v >> 1u;
  v |= v >> 2u;
  v |= v >> 4u;
  v |= v >> 8u;
  v |= v >> 16u;
  return vgw_popc(v) - 1;
}`,
  },
  imsb: {
    uses: ['umsb'],
    source: `ivec4 vgw_imsb(ivec4 v) {
  return vgw_umsb(uvec4(v) ^ uvec4(v >> 31));
}`,
  },
  umulhi: {
    uses: [],
    source: `uvec4 vgw_umulhi(uvec4 a, uvec4 b) {
  uvec4 al = a & 0xffffu, ah = a >> 16u, bl = b & 0xffffu, bh = b >> 16u;
  uvec4 lh = al * bh, hl = ah * bl;
  uvec4 mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}`,
  },
  imulhi: {
    uses: ['umulhi'],
    source: `ivec4 vgw_imulhi(ivec4 a, ivec4 b) {
  uvec4 ua = uvec4(a), ub = uvec4(b);
  return ivec4(vgw_umulhi(ua, ub) - ub * uvec4(lessThan(a, ivec4(0))) - ua * uvec4(lessThan(b, ivec4(0))));
}`,
  },
  pack4x8: {
    uses: [],
    source: `uint vgw_pack4x8(uvec4 bytes) {
  bytes &= 0xffu;
  return bytes.x | (bytes.y << 8u) | (bytes.z << 16u) | (bytes.w << 24u);
}`,
  },
  unpack4x8: {
    uses: [],
    source: `uvec4 vgw_unpack4x8(uint v) {
  return (uvec4(v) >> uvec4(0u, 8u, 16u, 24u)) & 0xffu;
}`,
  },
};

const HELPER_NAMES = Object.keys(HELPERS) as HelperName[];

/** The helpers a shader asked for, in an order where each follows those it uses. */
export class HelperSet {
  private readonly used = new Set<HelperName>();

  /** Adds every helper that `glsl` calls. */
  scan(glsl: string): void {
    for (const name of HELPER_NAMES) if (glsl.includes(`vgw_${name}(`)) this.use(name);
  }

  private use(name: HelperName): void {
    if (this.used.has(name)) return;
    for (const dependency of HELPERS[name].uses) this.use(dependency);
    this.used.add(name);
  }

  sources(): string[] {
    return [...this.used].map((name) => HELPERS[name].source);
  }
}
