/**
 * `npm run replay`'s summary: the reference replayer's lines, in its order,
 * read back by the same parser (scripts/oracle.mjs) the tests use for both.
 */
import { describe, expect, it } from 'vitest';
import { parseOracleSummary } from '../../scripts/oracle.mjs';
import { summaryLines, type SummarySource } from '../../scripts/replay-summary.ts';

const replay: SummarySource = {
  totals: { frames: 2, readbacks: 1, commands: 9, skippedFailed: 1, cursor: 0, unknownRecords: 0, unknownCommands: 0, rendererErrors: 0, fences: 3, fencesSignalled: 3 },
  records: { device: 1, capset: 0, command: 9, memory: 4 },
  // First seen first, as the replayer counts them; the reference prints them in type order.
  commands: { SUBMIT_3D: { replayed: 2, skipped: 1 }, RESOURCE_CREATE_2D: { replayed: 1, skipped: 0 }, CTX_CREATE: { replayed: 1, skipped: 0 } },
  notes: { 'unknown-resource': 2, 'memory-for-unknown-resource': 1 },
  virgl: [{ name: 'CLEAR', count: 2, dwords: 18 }, { name: 'CREATE_OBJECT.SURFACE', count: 1, dwords: 6 }],
  log: ['virgl: context 1: a line', 'virgl: context 1: another'],
  renderer: 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
};

describe('npm run replay summary', () => {
  it('prints the reference\'s lines, commands in type order, with the renderer\'s name and its log count', () => {
    expect(summaryLines(replay)).toEqual([
      'replay-summary frames=2 readbacks=1 commands=9 skipped_failed=1 cursor=0 unknown_records=0 unknown_commands=0 renderer_errors=0 renderer_log=2 fences=3 fences_signalled=3',
      'renderer ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'records device=1 capset=0 command=9 memory=4',
      'command RESOURCE_CREATE_2D replayed=1 skipped=0',
      'command CTX_CREATE replayed=1 skipped=0',
      'command SUBMIT_3D replayed=2 skipped=1',
      'note unknown-resource count=2',
      'note memory-for-unknown-resource count=1',
      'virgl CLEAR count=2 dwords=18',
      'virgl CREATE_OBJECT.SURFACE count=1 dwords=6',
      'replay-end',
    ]);
  });

  it('is read back whole by the oracle\'s parser, and only as a replay\'s', () => {
    const stdout = `[replay] progress on stderr, not here\n${summaryLines(replay).join('\n')}\n`;
    expect(parseOracleSummary(stdout, 'replay')).toEqual({
      totals: { frames: 2, readbacks: 1, commands: 9, skipped_failed: 1, cursor: 0, unknown_records: 0, unknown_commands: 0, renderer_errors: 0, renderer_log: 2, fences: 3, fences_signalled: 3 },
      renderer: replay.renderer,
      records: replay.records,
      commands: { RESOURCE_CREATE_2D: { replayed: 1, skipped: 0 }, CTX_CREATE: { replayed: 1, skipped: 0 }, SUBMIT_3D: { replayed: 2, skipped: 1 } },
      notes: replay.notes,
      virgl: replay.virgl,
    });
    expect(parseOracleSummary(stdout)).toBeUndefined();
    expect(parseOracleSummary(stdout.replace('replay-end', ''), 'replay')).toBeUndefined();
  });
});
