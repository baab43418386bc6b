/** The one table of TGSI opcodes (Mesa 22.3): operand counts and types, channel behaviour, flow-control role; it drives the parser and the emitters. */

/** How a source operand's bits are meant. `bits`: copied as they are (MOV, UCMP's choices); `sampler`: a SAMP register. */
export type OperandType = 'float' | 'int' | 'uint' | 'bits' | 'sampler';

/**
 * What the destination receives. `texel`: the sampler view's return type (float, int or uint);
 * `address`: an integer into an ADDR register.
 */
export type ResultType = 'float' | 'int' | 'uint' | 'bits' | 'texel' | 'address';

/**
 * `component`: each written channel c is computed from channel c of the sources.
 * `replicate`: one scalar (from the sources' x, or a dot product) goes to every written channel.
 * `vector`: each written channel takes its own channel of a result computed from whole operands.
 */
export type Channels = 'component' | 'replicate' | 'vector';

export type Block = 'if' | 'loop' | 'switch';

/** How an opcode takes part in structured flow control. */
export type FlowRole =
  | { readonly kind: 'open'; readonly block: Block }
  | { readonly kind: 'else' }
  | { readonly kind: 'close'; readonly block: Block }
  | { readonly kind: 'case' }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'end' }
  | { readonly kind: 'none' };

export type SupportedGroup = 'alu' | 'address' | 'derivative' | 'texture' | 'discard' | 'flow';

/** Opcodes that a GL 3.0 / GLES 3.0 vertex or fragment shader never needs, by the reason they are refused. */
export type UnsupportedGroup =
  | 'double precision'
  | '64-bit integers'
  | 'memory and atomics'
  | 'subgroup operations'
  | 'geometry shaders'
  | 'subroutines'
  | 'Direct3D 10 style sampling'
  | 'interpolation functions'
  | 'fragment shader extensions';

export interface SupportedOpcode {
  readonly supported: true;
  readonly group: SupportedGroup;
  /** Result of the single destination operand; null for opcodes without one. */
  readonly result: ResultType | null;
  readonly src: readonly OperandType[];
  readonly channels: Channels;
  /** Takes a texture target after its operands, then up to four texel offsets. */
  readonly texture: boolean;
  readonly flow: FlowRole;
  /** Carries a `:label` after its operands in Mesa's text. */
  readonly labelled: boolean;
  readonly fragmentOnly: boolean;
}

export interface UnsupportedOpcode {
  readonly supported: false;
  readonly group: UnsupportedGroup;
}

export type OpcodeInfo = SupportedOpcode | UnsupportedOpcode;

const F = 'float';
const I = 'int';
const U = 'uint';
const B = 'bits';
const S = 'sampler';

const NO_FLOW: FlowRole = { kind: 'none' };

function op(group: SupportedGroup, channels: Channels, result: ResultType | null, src: readonly OperandType[], extra: Partial<SupportedOpcode> = {}): SupportedOpcode {
  return { supported: true, group, result, src, channels, texture: false, flow: NO_FLOW, labelled: false, fragmentOnly: false, ...extra };
}

const each = (result: ResultType, ...src: OperandType[]): SupportedOpcode => op('alu', 'component', result, src);
const scalar = (result: ResultType, ...src: OperandType[]): SupportedOpcode => op('alu', 'replicate', result, src);
const whole = (result: ResultType, ...src: OperandType[]): SupportedOpcode => op('alu', 'vector', result, src);
const address = (...src: OperandType[]): SupportedOpcode => op('address', 'component', 'address', src);
const derivative = (): SupportedOpcode => op('derivative', 'component', F, [F], { fragmentOnly: true });
const tex = (result: ResultType, ...src: OperandType[]): SupportedOpcode => op('texture', 'vector', result, src, { texture: true });
const flow = (role: FlowRole, src: readonly OperandType[] = [], labelled = false): SupportedOpcode => op('flow', 'component', null, src, { flow: role, labelled });
const no = (group: UnsupportedGroup): UnsupportedOpcode => ({ supported: false, group });

const DOUBLE = no('double precision');
const INT64 = no('64-bit integers');
const MEMORY = no('memory and atomics');
const SUBGROUP = no('subgroup operations');
const D3D10 = no('Direct3D 10 style sampling');

/** Keyed by TGSI's mnemonic; the channel behaviour and types follow Mesa's tgsi.rst. */
export const OPCODES = {
  // Float arithmetic
  MOV: each(B, B),
  ADD: each(F, F, F),
  MUL: each(F, F, F),
  DIV: each(F, F, F),
  MAD: each(F, F, F, F),
  FMA: each(F, F, F, F),
  LRP: each(F, F, F, F),
  MIN: each(F, F, F),
  MAX: each(F, F, F),
  CMP: each(F, F, F, F),
  SSG: each(F, F),
  FRC: each(F, F),
  FLR: each(F, F),
  CEIL: each(F, F),
  TRUNC: each(F, F),
  ROUND: each(F, F),
  LDEXP: each(F, F, I),
  RCP: scalar(F, F),
  RSQ: scalar(F, F),
  SQRT: scalar(F, F),
  EX2: scalar(F, F),
  LG2: scalar(F, F),
  POW: scalar(F, F, F),
  SIN: scalar(F, F),
  COS: scalar(F, F),
  DP2: scalar(F, F, F),
  DP3: scalar(F, F, F),
  DP4: scalar(F, F, F),
  LIT: whole(F, F),
  EXP: whole(F, F),
  LOG: whole(F, F),
  DST: whole(F, F, F),

  // Comparisons: S* give 1.0 / 0.0, the others ~0 / 0
  SLT: each(F, F, F),
  SGE: each(F, F, F),
  SEQ: each(F, F, F),
  SNE: each(F, F, F),
  SGT: each(F, F, F),
  SLE: each(F, F, F),
  FSLT: each(U, F, F),
  FSGE: each(U, F, F),
  FSEQ: each(U, F, F),
  FSNE: each(U, F, F),
  ISLT: each(U, I, I),
  ISGE: each(U, I, I),
  USLT: each(U, U, U),
  USGE: each(U, U, U),
  USEQ: each(U, U, U),
  USNE: each(U, U, U),
  UCMP: each(B, U, B, B),

  // Integer arithmetic and bits
  UADD: each(U, U, U),
  UMUL: each(U, U, U),
  UMAD: each(U, U, U, U),
  UDIV: each(U, U, U),
  UMOD: each(U, U, U),
  UMAX: each(U, U, U),
  UMIN: each(U, U, U),
  UMUL_HI: each(U, U, U),
  IDIV: each(I, I, I),
  MOD: each(I, I, I),
  IMAX: each(I, I, I),
  IMIN: each(I, I, I),
  INEG: each(I, I),
  IABS: each(I, I),
  ISSG: each(I, I),
  IMUL_HI: each(I, I, I),
  NOT: each(U, U),
  AND: each(U, U, U),
  OR: each(U, U, U),
  XOR: each(U, U, U),
  SHL: each(U, U, U),
  USHR: each(U, U, U),
  ISHR: each(I, I, U),
  IBFE: each(I, I, U, U),
  UBFE: each(U, U, U, U),
  BFI: each(U, U, U, U, U),
  BREV: each(U, U),
  POPC: each(I, U),
  LSB: each(I, U),
  IMSB: each(I, I),
  UMSB: each(I, U),

  // Conversions and packing
  I2F: each(F, I),
  U2F: each(F, U),
  F2I: each(I, F),
  F2U: each(U, F),
  PK2H: scalar(U, F),
  PK2US: scalar(U, F),
  PK4B: scalar(U, F),
  PK4UB: scalar(U, F),
  UP2H: whole(F, U),
  UP2US: whole(F, U),
  UP4B: whole(F, U),
  UP4UB: whole(F, U),

  // Address registers
  ARL: address(F),
  ARR: address(F),
  UARL: address(I),

  DDX: derivative(),
  DDY: derivative(),
  DDX_FINE: derivative(),
  DDY_FINE: derivative(),

  // Texturing: the last source is the sampler
  TEX: tex('texel', F, S),
  TXP: tex('texel', F, S),
  TXB: tex('texel', F, S),
  TXL: tex('texel', F, S),
  TEX_LZ: tex('texel', F, S),
  TXD: tex('texel', F, F, F, S),
  TEX2: tex('texel', F, F, S),
  TXB2: tex('texel', F, F, S),
  TXL2: tex('texel', F, F, S),
  TXF: tex('texel', I, S),
  TXF_LZ: tex('texel', I, S),
  TG4: tex('texel', F, B, S),
  TXQ: tex(I, I, S),
  TXQS: tex(I, S),
  LODQ: op('texture', 'vector', F, [F, S], { texture: true, fragmentOnly: true }),

  KILL: op('discard', 'component', null, [], { fragmentOnly: true }),
  KILL_IF: op('discard', 'component', null, [F], { fragmentOnly: true }),

  IF: flow({ kind: 'open', block: 'if' }, [F], true),
  UIF: flow({ kind: 'open', block: 'if' }, [U], true),
  ELSE: flow({ kind: 'else' }, [], true),
  ENDIF: flow({ kind: 'close', block: 'if' }),
  BGNLOOP: flow({ kind: 'open', block: 'loop' }, [], true),
  ENDLOOP: flow({ kind: 'close', block: 'loop' }, [], true),
  BRK: flow({ kind: 'break' }),
  CONT: flow({ kind: 'continue' }),
  SWITCH: flow({ kind: 'open', block: 'switch' }, [I]),
  CASE: flow({ kind: 'case' }, [I]),
  DEFAULT: flow({ kind: 'case' }),
  ENDSWITCH: flow({ kind: 'close', block: 'switch' }),
  NOP: flow(NO_FLOW),
  END: flow({ kind: 'end' }),

  F2D: DOUBLE, D2F: DOUBLE, DABS: DOUBLE, DNEG: DOUBLE, DADD: DOUBLE, DMUL: DOUBLE, DDIV: DOUBLE,
  DMAX: DOUBLE, DMIN: DOUBLE, DSLT: DOUBLE, DSGE: DOUBLE, DSEQ: DOUBLE, DSNE: DOUBLE, DRCP: DOUBLE,
  DSQRT: DOUBLE, DMAD: DOUBLE, DFMA: DOUBLE, DFRAC: DOUBLE, DLDEXP: DOUBLE, DFRACEXP: DOUBLE, D2I: DOUBLE,
  I2D: DOUBLE, D2U: DOUBLE, U2D: DOUBLE, DRSQ: DOUBLE, DTRUNC: DOUBLE, DCEIL: DOUBLE, DFLR: DOUBLE,
  DROUND: DOUBLE, DSSG: DOUBLE, U642D: DOUBLE, I642D: DOUBLE, D2U64: DOUBLE, D2I64: DOUBLE,

  F2U64: INT64, F2I64: INT64, U2I64: INT64, I2I64: INT64, U642F: INT64, I642F: INT64, U64SEQ: INT64,
  U64SNE: INT64, I64SLT: INT64, U64SLT: INT64, I64SGE: INT64, U64SGE: INT64, I64MIN: INT64, U64MIN: INT64,
  I64MAX: INT64, U64MAX: INT64, I64ABS: INT64, I64SSG: INT64, I64NEG: INT64, U64ADD: INT64, U64MUL: INT64,
  U64SHL: INT64, I64SHR: INT64, U64SHR: INT64, I64DIV: INT64, U64DIV: INT64, I64MOD: INT64, U64MOD: INT64,

  LOAD: MEMORY, STORE: MEMORY, RESQ: MEMORY, MEMBAR: MEMORY, BARRIER: MEMORY, IMG2HND: MEMORY,
  SAMP2HND: MEMORY, ATOMFADD: MEMORY, ATOMUADD: MEMORY, ATOMXCHG: MEMORY, ATOMCAS: MEMORY, ATOMAND: MEMORY,
  ATOMOR: MEMORY, ATOMXOR: MEMORY, ATOMUMIN: MEMORY, ATOMUMAX: MEMORY, ATOMIMIN: MEMORY, ATOMIMAX: MEMORY,
  ATOMINC_WRAP: MEMORY, ATOMDEC_WRAP: MEMORY,

  BALLOT: SUBGROUP, READ_INVOC: SUBGROUP, READ_FIRST: SUBGROUP, VOTE_ANY: SUBGROUP, VOTE_ALL: SUBGROUP,
  VOTE_EQ: SUBGROUP, CLOCK: SUBGROUP,

  SAMPLE: D3D10, SAMPLE_I: D3D10, SAMPLE_I_MS: D3D10, SAMPLE_B: D3D10, SAMPLE_C: D3D10, SAMPLE_C_LZ: D3D10,
  SAMPLE_D: D3D10, SAMPLE_L: D3D10, GATHER4: D3D10, SVIEWINFO: D3D10, SAMPLE_POS: D3D10, SAMPLE_INFO: D3D10,
  LOD: D3D10,

  EMIT: no('geometry shaders'),
  ENDPRIM: no('geometry shaders'),
  CAL: no('subroutines'),
  RET: no('subroutines'),
  BGNSUB: no('subroutines'),
  ENDSUB: no('subroutines'),
  INTERP_CENTROID: no('interpolation functions'),
  INTERP_SAMPLE: no('interpolation functions'),
  INTERP_OFFSET: no('interpolation functions'),
  DEMOTE: no('fragment shader extensions'),
  READ_HELPER: no('fragment shader extensions'),
  FBFETCH: no('fragment shader extensions'),
} as const satisfies Record<string, OpcodeInfo>;

type Table = typeof OPCODES;

/** The opcodes an instruction of the IR can have. */
export type Opcode = { [K in keyof Table]: Table[K] extends SupportedOpcode ? K : never }[keyof Table];

const BY_NAME: ReadonlyMap<string, OpcodeInfo> = new Map(Object.entries(OPCODES));

/** Looks a mnemonic up (upper case, without _SAT or _PRECISE); undefined when TGSI has no such opcode. */
export function lookupOpcode(name: string): OpcodeInfo | undefined {
  return BY_NAME.get(name);
}

export function isOpcode(name: string): name is Opcode {
  return BY_NAME.get(name)?.supported === true;
}

export function opcodeInfo(opcode: Opcode): SupportedOpcode {
  return OPCODES[opcode];
}
