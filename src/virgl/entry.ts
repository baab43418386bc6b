/** The shape of the decoder's table: how each command's length is checked and which function decodes it. */
import type { Reason, LengthRule } from './checks.ts';
import type { VirglSink } from './commands.ts';
import type { Cursor } from './cursor.ts';
import type { DecoderConfig } from './config.ts';
import type { ShaderAssembler } from './shader-text.ts';

export interface DecodeEnv {
  readonly config: DecoderConfig;
  readonly shaders: ShaderAssembler;
}

/** Decodes the command under the cursor (its length already checked) into one sink call, or says why not. */
export type Decode = (c: Cursor, sink: VirglSink, env: DecodeEnv) => Reason | null;

export interface CommandEntry {
  readonly length: LengthRule;
  readonly decode: Decode;
  readonly objects?: undefined;
}

/** CREATE_OBJECT, BIND_OBJECT, DESTROY_OBJECT: an entry for each object type the command takes. */
export interface ObjectCommandEntry {
  readonly objects: readonly (CommandEntry | undefined)[];
}

export type TableEntry = CommandEntry | ObjectCommandEntry;
