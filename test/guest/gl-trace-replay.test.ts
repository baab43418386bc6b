/**
 * The TypeScript trace replayer against the reference replayer on the real
 * traces of the 3D test programs and applications (gl-traces.ts): replayed
 * on the recording renderer, which draws nothing, it must take the same
 * pictures under the same names, count the same commands, records,
 * fences and virgl commands in streams (--stats), and note the same things.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOracle, type OracleSummary } from '../../scripts/oracle.mjs';
import { RecordingRenderer } from '../../src/renderers/recording-renderer.ts';
import { picturesByTransfer, replayTrace, type FrameSource } from '../../src/trace/trace-replayer.ts';
import { ensureGlTraces, GL_TRACES } from './gl-traces.ts';

/** A recording starts with the guest running: its console's framebuffer, made at boot, is not in the trace, yet the console writes to it. */
const EXPECTED_NOTES = ['memory-for-unknown-resource', 'unknown-resource'];
/** Notes a program's own work gives: vgw-gl-xfb reads its capture buffers back, which are no pictures. */
const PROGRAM_NOTES: Readonly<Record<string, readonly string[]>> = { 'vgw-gl-xfb': ['readback-not-pictured'] };

/** The recording renderer, with pictures through its own (empty) readbacks. */
class PicturingRecorder extends RecordingRenderer implements FrameSource {
  private readonly pictures = picturesByTransfer(this);

  readPicture(...args: Parameters<FrameSource['readPicture']>): ReturnType<FrameSource['readPicture']> {
    return this.pictures.readPicture(...args);
  }
}

let traces: Map<string, string>;
const out = mkdtempSync(join(tmpdir(), 'vgw-trace-replay-'));

beforeAll(async () => {
  traces = await ensureGlTraces();
}, 900_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the TypeScript replayer on the 3D test programs\' and applications\' traces, beside the reference', () => {
  it.each(GL_TRACES)('%s: the same pictures, counts and notes', async (program) => {
    const path = traces.get(program) as string;
    const dir = join(out, program);
    const oracle = await runOracle(path, dir, { stats: true });
    expect(oracle.status, oracle.stderr).toBe(0);
    const reference = oracle.summary as OracleSummary;

    const ours = await replayTrace(new Uint8Array(readFileSync(path)), new PicturingRecorder(), { stats: true });
    const { totals } = ours;
    expect([totals.frames, totals.readbacks]).toEqual([reference.totals.frames, reference.totals.readbacks]);
    expect(totals.frames + totals.readbacks).toBeGreaterThan(0);
    const pictures = [...ours.frames, ...ours.readbacks];
    expect(pictures.map((p) => p.name).sort()).toEqual(readdirSync(dir).sort());
    expect(Object.fromEntries(ours.commands)).toEqual(reference.commands);
    expect(ours.records).toEqual(reference.records);
    expect({ commands: totals.commands, skipped: totals.skippedFailed, cursor: totals.cursor, fences: totals.fences, signalled: totals.fencesSignalled, errors: totals.rendererErrors }).toEqual({
      commands: reference.totals.commands, skipped: reference.totals.skipped_failed, cursor: reference.totals.cursor, fences: reference.totals.fences, signalled: reference.totals.fences_signalled, errors: 0,
    });
    expect(ours.virgl).toEqual(reference.virgl);
    expect(Object.fromEntries(ours.notes)).toEqual(reference.notes);
    const expected = [...EXPECTED_NOTES, ...(PROGRAM_NOTES[program] ?? [])];
    expect([...ours.notes.keys()].filter((key) => !expected.includes(key))).toEqual([]);
  }, 120_000);
});
