/**
 * A guest context's queries on WebGL2. Occlusion queries run as WebGL2's
 * ANY_SAMPLES_PASSED queries: WebGL2 counts no samples, so a counter
 * answers 1024 per yes, as the reference renderer does on an OpenGL ES host
 * (its fake_occlusion_query_samples_passed). Primitives generated are
 * counted from the draws that reach GL (exact without geometry shaders,
 * which the capsets leave out; a restarted strip counts as one), and
 * primitives written by transform feedback and its overflows from what the
 * captures did (stream-output.ts). Timer and pipeline statistics queries are
 * not offered.
 *
 * GET_QUERY_RESULT asks for an answer; `answer` gives those whose results
 * are known, as the virgl_host_query_state the host writes at the start of
 * the query's buffer.
 */
import { HostQueryState, QUERY_TYPE_NAMES, QueryType } from '../../virgl/protocol.ts';
import type { QueryState } from '../../virgl/commands.ts';
import type { CaptureCounts } from './stream-output.ts';

/** Samples an occlusion counter reports for "some passed" (the reference's default on an OpenGL ES host). */
export const SAMPLES_PER_PASSED_QUERY = 1024;

/** A query's answer, for the device to write at the start of the buffer's backing. */
export interface QueryAnswer {
  resourceId: number;
  /** HostQueryState.SIZE bytes. */
  state: Uint8Array;
}

/** What the context's draws have counted so far. */
export interface DrawnCounts {
  readonly primitives: number;
  readonly captured: Readonly<CaptureCounts>;
}

/** A count of the context's draws: the query's result is how much it grew while the query ran (a predicate: whether it grew). */
type Counter = 'primitives' | 'emitted' | 'overflows';

type Kind = { kind: 'occlusion'; target: number; multiplier: number } | { kind: 'counter'; counter: Counter; predicate: boolean };

export interface GuestQuery {
  readonly type: number;
  readonly kind: Kind;
  readonly resource: number;
  readonly glQuery: WebGLQuery | null;
  active: boolean;
  /** An occlusion query WebGL2 ran since it last began. */
  onGpu: boolean;
  /** Its counter when it began (counter queries). */
  start: number;
  /** Known once it ended (counter queries). */
  result: number;
}

const ANY_SAMPLES_PASSED = 0x8c2f;
const ANY_SAMPLES_PASSED_CONSERVATIVE = 0x8d6a;

function kindOf(type: number): Kind | null {
  switch (type) {
    case QueryType.OCCLUSION_COUNTER:
      return { kind: 'occlusion', target: ANY_SAMPLES_PASSED, multiplier: SAMPLES_PER_PASSED_QUERY };
    case QueryType.OCCLUSION_PREDICATE:
      return { kind: 'occlusion', target: ANY_SAMPLES_PASSED, multiplier: 1 };
    case QueryType.OCCLUSION_PREDICATE_CONSERVATIVE:
      return { kind: 'occlusion', target: ANY_SAMPLES_PASSED_CONSERVATIVE, multiplier: 1 };
    case QueryType.PRIMITIVES_GENERATED:
      return { kind: 'counter', counter: 'primitives', predicate: false };
    // virgl_host_query_state carries one number: a statistics query answers its primitives written.
    case QueryType.PRIMITIVES_EMITTED:
    case QueryType.SO_STATISTICS:
      return { kind: 'counter', counter: 'emitted', predicate: false };
    case QueryType.SO_OVERFLOW_PREDICATE:
    case QueryType.SO_OVERFLOW_ANY_PREDICATE:
      return { kind: 'counter', counter: 'overflows', predicate: true };
    default:
      return null;
  }
}

/** Primitives a draw of `count` vertices in gallium's `mode` makes, as PRIMITIVES_GENERATED counts them (the modes the capsets offer). */
export function primitivesOf(mode: number, count: number): number {
  switch (mode) {
    case 0: // POINTS
      return count;
    case 1: // LINES
      return Math.floor(count / 2);
    case 2: // LINE_LOOP
      return count >= 2 ? count : 0;
    case 3: // LINE_STRIP
      return Math.max(0, count - 1);
    case 4: // TRIANGLES
      return Math.floor(count / 3);
    case 5: // TRIANGLE_STRIP
    case 6: // TRIANGLE_FAN
      return Math.max(0, count - 2);
    default:
      return 0;
  }
}

export class GuestQueries {
  /** Asked for by GET_QUERY_RESULT and not answered yet. */
  private readonly asked = new Set<GuestQuery>();
  /** WebGL2 runs one occlusion query at a time. */
  private occlusion: GuestQuery | null = null;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly counts: DrawnCounts,
  ) {}

  private count(kind: Kind): number {
    if (kind.kind !== 'counter') return 0;
    return kind.counter === 'primitives' ? this.counts.primitives : this.counts.captured[kind.counter];
  }

  /** A new query, or why it cannot be one. */
  make(state: QueryState): GuestQuery | string {
    const kind = kindOf(state.type);
    if (!kind) return `a ${QUERY_TYPE_NAMES[state.type]} query, which the capsets do not offer`;
    const glQuery = kind.kind === 'occlusion' ? this.gl.createQuery() : null;
    return { type: state.type, kind, resource: state.resource, glQuery, active: false, onGpu: false, start: 0, result: 0 };
  }

  /** Null, or why the query cannot begin. */
  begin(query: GuestQuery): string | null {
    // Gallium begins a running query afresh.
    if (query.active) this.end(query);
    this.asked.delete(query);
    const { kind } = query;
    query.start = this.count(kind);
    query.result = 0;
    query.active = true;
    query.onGpu = false;
    const { glQuery } = query;
    if (kind.kind !== 'occlusion' || !glQuery) return null;
    if (this.occlusion) return 'an occlusion query begun while another runs (WebGL2 runs one at a time) answers that nothing passed';
    this.gl.beginQuery(kind.target, glQuery);
    this.occlusion = query;
    query.onGpu = true;
    return null;
  }

  end(query: GuestQuery): void {
    if (!query.active) return;
    query.active = false;
    const { kind } = query;
    if (kind.kind === 'occlusion' && this.occlusion === query) {
      this.gl.endQuery(kind.target);
      this.occlusion = null;
    }
    if (kind.kind === 'counter') {
      const grown = this.count(kind) - query.start;
      query.result = kind.predicate ? Math.min(grown, 1) : grown;
    }
  }

  ask(query: GuestQuery): void {
    this.asked.add(query);
  }

  destroy(query: GuestQuery): void {
    this.end(query);
    this.asked.delete(query);
    if (query.glQuery) this.gl.deleteQuery(query.glQuery);
  }

  /** Appends the answers now known to `into`; true when no asked query is left waiting for the GPU. */
  answer(into: QueryAnswer[]): boolean {
    const { gl } = this;
    for (const query of this.asked) {
      if (query.active) continue;
      let result = query.result;
      if (query.kind.kind === 'occlusion' && query.glQuery && query.onGpu) {
        if (!gl.getQueryParameter(query.glQuery, gl.QUERY_RESULT_AVAILABLE)) continue;
        result = Number(gl.getQueryParameter(query.glQuery, gl.QUERY_RESULT)) * query.kind.multiplier;
      }
      this.asked.delete(query);
      into.push({ resourceId: query.resource, state: HostQueryState.encode(result) });
    }
    return this.asked.size === 0;
  }
}
