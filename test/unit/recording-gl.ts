/**
 * A WebGL2RenderingContext for tests of the WebGL2 renderer's layers in Node:
 * it records every call and answers as a working context would (objects are
 * plain objects, shaders compile and programs link, framebuffers are
 * complete, each enum a distinct number).
 */
export type Call = [name: string, args: unknown[]];

export const ENUMS: Readonly<Record<string, number>> = { CW: 0x0900, CCW: 0x0901, UNSIGNED_SHORT: 0x1403, FRAMEBUFFER_COMPLETE: 0x8cd5, MAX_VERTEX_ATTRIBS: 0x8869 };

export function recordingGl(): { gl: WebGL2RenderingContext; calls: Call[] } {
  const calls: Call[] = [];
  const enums = new Map<string, number>(Object.entries(ENUMS));
  const answers: Record<string, (...args: unknown[]) => unknown> = {
    getParameter: (name) => (name === ENUMS.MAX_VERTEX_ATTRIBS ? 16 : 0),
    getShaderParameter: () => true,
    getProgramParameter: () => true,
    getUniformBlockIndex: () => 0,
    checkFramebufferStatus: () => ENUMS.FRAMEBUFFER_COMPLETE,
    getExtension: () => null,
    getError: () => 0,
  };
  const gl = new Proxy({} as WebGL2RenderingContext, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      if (/^[A-Z0-9_]+$/.test(name)) {
        if (!enums.has(name)) enums.set(name, 0x10000 + enums.size);
        return enums.get(name);
      }
      return (...args: unknown[]) => {
        calls.push([name, args]);
        return answers[name]?.(...args) ?? (/^(create|getUniformLocation)/.test(name) ? {} : undefined);
      };
    },
  });
  return { gl, calls };
}
