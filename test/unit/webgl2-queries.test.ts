import { describe, expect, it } from 'vitest';
import { GuestQueries, primitivesOf, SAMPLES_PER_PASSED_QUERY, type GuestQuery, type QueryAnswer } from '../../src/renderers/webgl2/queries.ts';
import { QueryType } from '../../src/virgl/protocol.ts';

const ANY_SAMPLES_PASSED = 0x8c2f;
const ANY_SAMPLES_PASSED_CONSERVATIVE = 0x8d6a;

/** The query calls of a WebGL2 context: results become available when the test says so, as a GPU gives them in a later task. */
function fakeGl() {
  const calls: string[] = [];
  const results = new Map<object, { available: boolean; passed: boolean }>();
  const gl = {
    QUERY_RESULT: 0x8866,
    QUERY_RESULT_AVAILABLE: 0x8867,
    createQuery: () => {
      const query = {};
      results.set(query, { available: false, passed: false });
      return query;
    },
    deleteQuery: (query: object) => void calls.push(`delete ${results.has(query)}`),
    beginQuery: (target: number) => void calls.push(`begin 0x${target.toString(16)}`),
    endQuery: (target: number) => void calls.push(`end 0x${target.toString(16)}`),
    getQueryParameter: (query: object, what: number) => {
      const result = results.get(query)!;
      return what === 0x8867 ? result.available : result.passed ? 1 : 0;
    },
  };
  return { gl: gl as unknown as WebGL2RenderingContext, calls, results };
}

function answersOf(queries: GuestQueries): { done: boolean; answers: { resourceId: number; state: number[] }[] } {
  const into: QueryAnswer[] = [];
  const done = queries.answer(into);
  return { done, answers: into.map((a) => ({ resourceId: a.resourceId, state: Array.from(a.state) })) };
}

/** virgl_host_query_state: DONE, a 4-byte result, the result as 64 bits. */
const state = (result: number) => [1, 0, 0, 0, 4, 0, 0, 0, result & 0xff, (result >> 8) & 0xff, 0, 0, 0, 0, 0, 0];

const counts = (primitives = 0, emitted = 0, overflows = 0) => ({ primitives, captured: { emitted, overflows } });

const make = (queries: GuestQueries, type: number, resource = 9): GuestQuery => {
  const made = queries.make({ type, index: 0, resource, offset: 0 });
  if (typeof made === 'string') throw new Error(made);
  return made;
};

describe('guest queries on WebGL2', () => {
  it("answers an occlusion counter once the GPU has the result, as the reference does on a GLES host (1024 for 'some passed')", () => {
    const { gl, calls, results } = fakeGl();
    const queries = new GuestQueries(gl, counts());
    const counter = make(queries, QueryType.OCCLUSION_COUNTER);
    expect(queries.begin(counter)).toBeNull();
    queries.end(counter);
    queries.ask(counter);
    expect(calls).toEqual([`begin 0x${ANY_SAMPLES_PASSED.toString(16)}`, `end 0x${ANY_SAMPLES_PASSED.toString(16)}`]);
    expect(answersOf(queries)).toEqual({ done: false, answers: [] });
    Object.assign(results.get(counter.glQuery!)!, { available: true, passed: true });
    expect(answersOf(queries)).toEqual({ done: true, answers: [{ resourceId: 9, state: state(SAMPLES_PER_PASSED_QUERY) }] });
    // Answered once: asking again needs another GET_QUERY_RESULT.
    expect(answersOf(queries)).toEqual({ done: true, answers: [] });
  });

  it('runs predicates on their own targets, and answers one begun while another runs with nothing passed', () => {
    const { gl, calls, results } = fakeGl();
    const queries = new GuestQueries(gl, counts());
    const conservative = make(queries, QueryType.OCCLUSION_PREDICATE_CONSERVATIVE, 3);
    const predicate = make(queries, QueryType.OCCLUSION_PREDICATE, 4);
    expect(queries.begin(conservative)).toBeNull();
    expect(queries.begin(predicate)).toMatch(/another runs/);
    queries.end(predicate);
    queries.end(conservative);
    queries.ask(predicate);
    queries.ask(conservative);
    expect(calls).toEqual([`begin 0x${ANY_SAMPLES_PASSED_CONSERVATIVE.toString(16)}`, `end 0x${ANY_SAMPLES_PASSED_CONSERVATIVE.toString(16)}`]);
    Object.assign(results.get(conservative.glQuery!)!, { available: true, passed: true });
    expect(answersOf(queries).answers).toEqual([{ resourceId: 4, state: state(0) }, { resourceId: 3, state: state(1) }]);
  });

  it('counts the primitives drawn, written by transform feedback and overflowing while each counter query runs', () => {
    const { gl } = fakeGl();
    const drawn = counts(10, 3, 1);
    const queries = new GuestQueries(gl, drawn);
    const generated = make(queries, QueryType.PRIMITIVES_GENERATED, 1);
    const emitted = make(queries, QueryType.PRIMITIVES_EMITTED, 2);
    const overflow = make(queries, QueryType.SO_OVERFLOW_PREDICATE, 3);
    const quiet = make(queries, QueryType.SO_OVERFLOW_ANY_PREDICATE, 4);
    for (const query of [generated, emitted, overflow]) queries.begin(query);
    drawn.primitives += 7;
    drawn.captured.emitted += 4;
    drawn.captured.overflows += 2;
    queries.ask(generated);
    // Asked while running: answered only once it ended.
    expect(answersOf(queries)).toEqual({ done: false, answers: [] });
    for (const query of [generated, emitted, overflow]) queries.end(query);
    queries.begin(quiet);
    drawn.primitives += 5;
    queries.end(quiet);
    for (const query of [emitted, overflow, quiet]) queries.ask(query);
    expect(answersOf(queries)).toEqual({
      done: true,
      answers: [
        { resourceId: 1, state: state(7) },
        { resourceId: 2, state: state(4) },
        { resourceId: 3, state: state(1) },
        { resourceId: 4, state: state(0) },
      ],
    });
  });

  it('refuses timer and pipeline statistics queries, which the capsets do not offer', () => {
    const queries = new GuestQueries(fakeGl().gl, counts());
    for (const type of [QueryType.TIMESTAMP, QueryType.TIME_ELAPSED, QueryType.TIMESTAMP_DISJOINT, QueryType.GPU_FINISHED, QueryType.PIPELINE_STATISTICS]) {
      expect(queries.make({ type, index: 0, resource: 1, offset: 0 })).toMatch(/capsets do not offer/);
    }
  });

  it('counts primitives as OpenGL does for each mode offered', () => {
    // POINTS, LINES, LINE_LOOP, LINE_STRIP, TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN
    expect([0, 1, 2, 3, 4, 5, 6].map((mode) => primitivesOf(mode, 7))).toEqual([7, 3, 7, 6, 2, 5, 5]);
    expect([0, 1, 2, 3, 4, 5, 6].map((mode) => primitivesOf(mode, 1))).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });
});
