export const ORACLE_PACKAGES: { command?: string; pkg: string }[];
export function ensureOracle(): string;

/** The replayer's summary (its `oracle-summary` … `oracle-end` lines). */
export interface OracleSummary {
  totals: {
    frames: number;
    readbacks: number;
    commands: number;
    skipped_failed: number;
    cursor: number;
    unknown_records: number;
    unknown_commands: number;
    /** virglrenderer calls that failed. */
    renderer_errors: number;
    /** Errors virglrenderer logged while decoding SUBMIT_3D streams ("context error"). */
    stream_errors: number;
    fences: number;
    fences_signalled: number;
  };
  records: { device: number; capset: number; command: number; memory: number };
  commands: Record<string, { replayed: number; skipped: number }>;
  notes: Record<string, number>;
  /** With `stats`: virgl commands in SUBMIT_3D streams, most frequent first (`CREATE_OBJECT.SURFACE`, `CLEAR`, …). */
  virgl: { name: string; count: number; dwords: number }[];
}

export interface OracleRun {
  status: number;
  stdout: string;
  stderr: string;
  summary: OracleSummary | undefined;
}

/**
 * `framesOf`: write only the frames of these RESOURCE_FLUSH commands (their
 * 0-based index among the trace's COMMAND records that hold a header); the
 * other flushes still count, so each frame keeps the name a full run gives it.
 */
export function runOracle(trace: string, outDir: string, options?: { stats?: boolean; verbose?: boolean; framesOf?: readonly number[] }): Promise<OracleRun>;
/** What `npm run replay` prints: the reference's summary, less what only virglrenderer knows, with the renderer's name and how many lines it logged. */
export interface ReplaySummary extends Omit<OracleSummary, 'totals'> {
  totals: Omit<OracleSummary['totals'], 'stream_errors'> & {
    /** Lines the renderer logged (refused commands, shaders it could not translate). */
    renderer_log: number;
  };
  /** The GPU, as WebGL names it. */
  renderer: string;
}

export function parseOracleSummary(stdout: string): OracleSummary | undefined;
export function parseOracleSummary(stdout: string, tool: 'replay'): ReplaySummary | undefined;
