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

export function runOracle(trace: string, outDir: string, options?: { stats?: boolean; verbose?: boolean }): OracleRun;
export function parseOracleSummary(stdout: string): OracleSummary | undefined;
