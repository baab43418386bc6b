/** The commands about the context itself: sub-contexts, tweaks, resources created through the stream, and the ones with nothing to do. */
import { below, between, exactly, format, nonZero, type Reason } from './checks.ts';
import type { PipeResourceInfo, VirglSink } from './commands.ts';
import type { Cursor } from './cursor.ts';
import type { CommandEntry } from './entry.ts';
import { Command, MAX_COMMAND_DWORDS, PipeResourceCreate, SubContext, TEXTURE_TARGET_COUNT, TWEAK_COUNT, Tweaks } from './protocol.ts';

type SubContextCall = (sink: VirglSink, id: number) => void;

/** SET_SUB_CTX, CREATE_SUB_CTX, DESTROY_SUB_CTX: a sub-context id; sub-context 0 is the context's own, which always exists. */
function subContext(call: SubContextCall, mayBeZero: boolean): CommandEntry {
  return {
    length: exactly(SubContext.SIZE),
    decode: (c, sink) => {
      const id = c.u(SubContext.ID);
      if (id === 0 && !mayBeZero) return 'sub-context 0 is the context itself';
      call(sink, id);
      return null;
    },
  };
}

function setTweaks(c: Cursor, sink: VirglSink): Reason | null {
  const id = c.u(Tweaks.ID);
  const reason = below(id, TWEAK_COUNT, 'tweak');
  if (reason !== null) return reason;
  sink.setTweak(id, c.u(Tweaks.VALUE));
  return null;
}

const pipeResource: PipeResourceInfo = { target: 0, format: 0, bind: 0, width: 0, height: 0, depth: 0, arraySize: 0, lastLevel: 0, nrSamples: 0, flags: 0, blobId: 0 };

function pipeResourceCreate(c: Cursor, sink: VirglSink): Reason | null {
  const r = pipeResource;
  r.target = c.u(PipeResourceCreate.TARGET);
  r.format = c.u(PipeResourceCreate.FORMAT);
  r.blobId = c.u(PipeResourceCreate.BLOB_ID);
  const reason = below(r.target, TEXTURE_TARGET_COUNT, 'target') ?? format(r.format, 'format') ?? nonZero(r.blobId, 'blob id');
  if (reason !== null) return reason;
  r.bind = c.u(PipeResourceCreate.BIND);
  r.width = c.u(PipeResourceCreate.WIDTH);
  r.height = c.u(PipeResourceCreate.HEIGHT);
  r.depth = c.u(PipeResourceCreate.DEPTH);
  r.arraySize = c.u(PipeResourceCreate.ARRAY_SIZE);
  r.lastLevel = c.u(PipeResourceCreate.LAST_LEVEL);
  r.nrSamples = c.u(PipeResourceCreate.NR_SAMPLES);
  r.flags = c.u(PipeResourceCreate.FLAGS);
  sink.pipeResourceCreate(r);
  return null;
}

const anyLength = between(0, MAX_COMMAND_DWORDS);

export function contextCommands(): Partial<Record<Command, CommandEntry>> {
  return {
    [Command.NOP]: { length: anyLength, decode: () => null },
    // Pads the space Mesa reserves for transfers at the start of a stream.
    [Command.END_TRANSFERS]: {
      length: anyLength,
      decode: (_c, sink) => {
        sink.endTransfers();
        return null;
      },
    },
    [Command.SET_SUB_CTX]: subContext((sink, id) => sink.setSubContext(id), true),
    [Command.CREATE_SUB_CTX]: subContext((sink, id) => sink.createSubContext(id), false),
    [Command.DESTROY_SUB_CTX]: subContext((sink, id) => sink.destroySubContext(id), false),
    [Command.SET_TWEAKS]: { length: exactly(Tweaks.SIZE), decode: setTweaks },
    [Command.PIPE_RESOURCE_CREATE]: { length: exactly(PipeResourceCreate.SIZE), decode: pipeResourceCreate },
  };
}
