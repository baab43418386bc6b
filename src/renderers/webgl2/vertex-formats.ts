/** Vertex element formats (virgl format numbers) as WebGL2's vertexAttribPointer / vertexAttribIPointer arguments, and what the vertex shader's input must be for each. */
import { GL } from './formats.ts';

export interface VertexFormat {
  readonly size: 1 | 2 | 3 | 4;
  readonly type: number;
  readonly normalized: boolean;
  /** Read with vertexAttribIPointer into an int or uint input. */
  readonly integer: 'int' | 'uint' | null;
  /** The guest's components come as B, G, R, A: the shader swaps x and z. */
  readonly bgra: boolean;
}

/** The families of gallium vertex formats: four consecutive numbers, for 1 to 4 components. */
const FAMILIES: [first: number, type: number, normalized: boolean, integer: VertexFormat['integer']][] = [
  [28, GL.FLOAT, false, null],
  [32, GL.UNSIGNED_INT, true, null],
  [36, GL.UNSIGNED_INT, false, null],
  [40, GL.INT, true, null],
  [44, GL.INT, false, null],
  [48, GL.UNSIGNED_SHORT, true, null],
  [52, GL.UNSIGNED_SHORT, false, null],
  [56, GL.SHORT, true, null],
  [60, GL.SHORT, false, null],
  [64, GL.UNSIGNED_BYTE, true, null],
  [69, GL.UNSIGNED_BYTE, false, null],
  [74, GL.BYTE, true, null],
  [82, GL.BYTE, false, null],
  [91, GL.HALF_FLOAT, false, null],
  [177, GL.UNSIGNED_BYTE, false, 'uint'],
  [181, GL.BYTE, false, 'int'],
  [185, GL.UNSIGNED_SHORT, false, 'uint'],
  [189, GL.SHORT, false, 'int'],
  [193, GL.UNSIGNED_INT, false, 'uint'],
  [197, GL.INT, false, 'int'],
];

const TABLE = new Map<number, VertexFormat>();
for (const [first, type, normalized, integer] of FAMILIES) {
  for (let n = 0; n < 4; n++) TABLE.set(first + n, { size: (n + 1) as VertexFormat['size'], type, normalized, integer, bgra: false });
}
TABLE.set(1, { size: 4, type: GL.UNSIGNED_BYTE, normalized: true, integer: null, bgra: true });
TABLE.set(8, { size: 4, type: GL.UNSIGNED_INT_2_10_10_10_REV, normalized: true, integer: null, bgra: false });

/** The WebGL2 form of a vertex element format; undefined for formats WebGL2 cannot fetch (the draw is skipped). */
export function vertexFormat(virgl: number): VertexFormat | undefined {
  return TABLE.get(virgl);
}
