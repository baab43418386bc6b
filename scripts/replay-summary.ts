/**
 * The summary `npm run replay` prints: the lines of the reference replayer's
 * (test/oracle/virgl-replay.c), so that the two can be read and diffed alike
 * and scripts/oracle.mjs's parser reads both. What only virglrenderer knows
 * (stream errors it logged) gives way to what this renderer gives: its name
 * and how many lines it logged.
 */
import type { PageReplay } from '../e2e/virgl-replay-client.ts';
import { CommandType } from '../src/protocol/constants.ts';

export type SummarySource = Pick<PageReplay, 'totals' | 'records' | 'commands' | 'notes' | 'virgl' | 'log' | 'renderer'>;

/** The reference lists commands in type order, whatever order the trace had them in. */
const COMMAND_ORDER: readonly string[] = Object.entries(CommandType)
  .sort(([, a], [, b]) => a - b)
  .map(([name]) => name);

const fields = (values: Record<string, number>): string =>
  Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');

/** `replay-summary …` to `replay-end`; `virgl` lines only when the replay counted them (--stats). */
export function summaryLines(replay: SummarySource): string[] {
  const { totals: t, records } = replay;
  return [
    `replay-summary ${fields({
      frames: t.frames, readbacks: t.readbacks, commands: t.commands, skipped_failed: t.skippedFailed, cursor: t.cursor, unknown_records: t.unknownRecords,
      unknown_commands: t.unknownCommands, renderer_errors: t.rendererErrors, renderer_log: replay.log.length, fences: t.fences, fences_signalled: t.fencesSignalled,
    })}`,
    // Its own line: a GPU's name has spaces.
    `renderer ${replay.renderer}`,
    `records ${fields({ device: records.device, capset: records.capset, command: records.command, memory: records.memory })}`,
    ...COMMAND_ORDER.flatMap((name) => {
      const count = replay.commands[name];
      return count ? [`command ${name} ${fields({ replayed: count.replayed, skipped: count.skipped })}`] : [];
    }),
    ...Object.entries(replay.notes).map(([key, count]) => `note ${key} count=${count}`),
    ...replay.virgl.map((v) => `virgl ${v.name} count=${v.count} dwords=${v.dwords}`),
    'replay-end',
  ];
}
