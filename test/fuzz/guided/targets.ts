/** The guided fuzzer's two targets: what each bundles, instruments, is seeded with and reports coverage of. */
import { tgsiDictionary, tgsiSeeds, TGSI_MAX_LEN, virglSeeds, VIRGL_MAX_LEN } from './seeds.ts';

export interface CoverageGroup {
  readonly label: string;
  /** Source directory, relative to the repository root, with a trailing slash. */
  readonly under: string;
  readonly except?: string;
}

export interface GuidedTarget {
  /** Directory name under .cache/jazzer/. */
  readonly id: string;
  /** Module exporting `fuzz(data: Buffer)`, relative to the repository root. */
  readonly entry: string;
  /** Source directories whose branches guide the fuzzer (Jazzer.js instruments only these). */
  readonly instrument: readonly CoverageGroup[];
  /** The groups reported, the first being the target's own code. */
  readonly report: readonly CoverageGroup[];
  readonly maxLen: number;
  seeds(): Uint8Array[];
  dictionary?(): string[];
}

const DECODER: CoverageGroup = { label: 'virgl decoder', under: 'src/virgl/', except: 'src/virgl/tgsi/' };
const PARSER: CoverageGroup = { label: 'TGSI parser', under: 'src/virgl/tgsi/' };
const EMITTER: CoverageGroup = { label: 'GLSL emitter', under: 'src/renderers/webgl2/glsl/' };

export const GUIDED_TARGETS: readonly GuidedTarget[] = [
  { id: 'virgl', entry: 'test/fuzz/guided/virgl-stream-target.ts', instrument: [DECODER], report: [DECODER], maxLen: VIRGL_MAX_LEN, seeds: virglSeeds },
  // The emitter guides too: the parser's output is its input, and what it does with odd shaders is worth reaching.
  { id: 'tgsi', entry: 'test/fuzz/guided/tgsi-target.ts', instrument: [PARSER, EMITTER], report: [PARSER, EMITTER], maxLen: TGSI_MAX_LEN, seeds: tgsiSeeds, dictionary: tgsiDictionary },
];
