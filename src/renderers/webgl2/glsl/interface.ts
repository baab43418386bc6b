/**
 * A shader's inputs, outputs and system values as GLSL ES 3.00 declarations, with the prologue that
 * reads them and the epilogue that writes the outputs.
 *
 * Orientation, as the reference host (virglrenderer) does it, given that the executor stores every
 * texture and render target in gallium's row order (host row r is gallium row r):
 * - A window-system framebuffer comes with a negative viewport Y scale. The vertex shader then
 *   negates gl_Position.y at its end (key `flipY`, the reference's winsys_adjust_y), and the
 *   executor sets the viewport to match. That keeps every stored row where gallium expects it,
 *   and GL's front face is then always the opposite winding of gallium's (gallium-gl.ts).
 * - gl_FragCoord: GLSL ES counts y up from host row 0, which is gallium's UPPER_LEFT origin. The
 *   guest's state tracker already chose the origin for its framebuffer, so an UPPER_LEFT shader
 *   reads gl_FragCoord as it is and a LOWER_LEFT one reads `vgw_fb_height - gl_FragCoord.y`;
 *   INTEGER pixel centres subtract 0.5 from x and y afterwards. This matches the reference's
 *   choice of origin_upper_left on a desktop host, and does not depend on flipY.
 * - gl_PointCoord: GLSL ES's t runs from 0 at the top (the highest host row) down. The reference
 *   sets GL_POINT_SPRITE_COORD_ORIGIN to LOWER_LEFT for gallium's UPPER_LEFT sprite mode and the
 *   other way round, so t is flipped (1 - t) exactly when the rasterizer's sprite_coord_mode is
 *   UPPER_LEFT. PCOORD inputs and TEXCOORD inputs replaced by sprites (key `spriteCoords`) alike.
 *
 * Varyings are named by semantic (`vgw_GENERIC_3`) so that separately translated stages link, and
 * always have four channels. Flat varyings are uvec4 and carry the guest's bits untouched; the
 * others are vec4. GLSL ES 3.00 has no noperspective: a LINEAR varying is multiplied by the clip
 * w in the vertex shader and by gl_FragCoord.w (1 / w, interpolated linearly) in the fragment
 * shader, which undoes the perspective division (exactly, except for primitives clipped at the
 * near plane).
 */

import { Limit } from '../../../virgl/protocol.ts';
import type { Component, IoDeclaration, Semantic, Shader, SystemValueDeclaration } from '../../../virgl/tgsi/ir.ts';
import { ALPHA_ALWAYS, captureName, VARYING_SEMANTICS, varyingName, type AttributeKind, type FragmentShaderKey, type ShaderKey, type ValueKind, type VaryingMode, type VertexShaderKey } from './key.ts';
import { maskComponents, type Registers } from './registers.ts';
import { bitcast, fail, GlslEmitError, select, typeName, widthOf, type Expr } from './types.ts';
import type { CodeWriter } from './writer.ts';

/** Uniforms the emitter adds for draw state; the executor sets each one a shader declares. */
export const SYSTEM_UNIFORMS = {
  /** float, fragment: the framebuffer height (the first colour buffer's level height, else the depth buffer's), for LOWER_LEFT gl_FragCoord. */
  vgw_fb_height: 'float',
  /** float, vertex: the rasterizer's point_size, for vertex shaders that write no PSIZE. */
  vgw_point_size: 'float',
  /** int, vertex: index_bias of an indexed draw, else 0 (the executor rebases attributes instead, so gl_VertexID lacks it). */
  vgw_base_vertex: 'int',
  /** The user clip planes of SET_CLIP_STATE, vertex shaders with clip planes enabled and no CLIPDIST output. */
  vgw_clip_planes: `vec4[${Limit.CLIP_PLANES}]`,
  /** float, fragment: the alpha test's reference, for fragment shaders drawn with the alpha test on. */
  vgw_alpha_ref: 'float',
} as const;

export type SystemUniform = keyof typeof SYSTEM_UNIFORMS;

/** GLSL's comparison for gallium's functions LESS (1) to GEQUAL (6). */
const ALPHA_OPERATORS: Readonly<Record<number, string>> = { 1: '<', 2: '==', 3: '<=', 4: '>', 5: '!=', 6: '>=' };

/** A varying as declared: outputs of a vertex shader, inputs of a fragment shader. The two stages link when the fragment shader's are among the vertex shader's, with equal type and mode. */
export interface VaryingBinding {
  readonly name: string;
  readonly type: 'vec4' | 'uvec4';
  readonly mode: VaryingMode;
}

/** A vertex attribute: location = IN register = vertex element index. */
export interface AttributeBinding {
  readonly location: number;
  readonly kind: AttributeKind;
}

/**
 * WebGL2 has no user clip planes, and its clip distances (WEBGL_clip_cull_distance) are not in
 * every browser: the vertex shader hands the enabled distances to the fragment shader in these
 * varyings, four a varying; a distance is linear in clip space, so perspective-correct
 * interpolation gives its exact value at each fragment, which is discarded where one is negative.
 */
const CLIP_VARYINGS = ['vgw_clip_dist0', 'vgw_clip_dist1'] as const;
function enabledPlanes(mask: number): number[] {
  return Array.from({ length: Limit.CLIP_PLANES }, (_, i) => i).filter((i) => (mask >>> i) & 1);
}

/** Inputs, outputs and system values of one shader: what the registers read, what main() starts and ends with. */
export class ShaderInterface {
  readonly inputs = new Map<number, Expr>();
  readonly systemValues = new Map<number, Expr>();
  readonly uniforms = new Set<SystemUniform>();
  readonly varyings: VaryingBinding[] = [];
  readonly attributes: AttributeBinding[] = [];
  private readonly declarations: string[] = [];
  private readonly prologue: string[] = [];
  private readonly epilogue: string[] = [];
  private readonly names = new Set<string>();

  constructor(
    private readonly shader: Shader,
    private readonly key: ShaderKey,
    private readonly note: (message: string) => void,
  ) {
    if (shader.properties.windowSpacePosition) throw new GlslEmitError('VS_WINDOW_SPACE_POSITION is not supported');
    if (key.stage === 'vertex') this.vertexInputs(key);
    else this.fragmentInputs(key);
    for (const sv of shader.systemValues) this.systemValues.set(sv.index, this.systemValue(sv));
  }

  declare(w: CodeWriter): void {
    for (const line of this.declarations) w.line(line);
    for (const name of this.uniforms) w.line(`uniform ${SYSTEM_UNIFORMS[name]} ${name};`);
  }

  begin(w: CodeWriter): void {
    for (const line of this.prologue) w.line(line);
  }

  /** The output copies, once the shader's registers hold their final values. */
  end(w: CodeWriter, registers: Registers): void {
    if (this.key.stage === 'vertex') this.vertexOutputs(w, registers, this.key);
    else this.fragmentOutputs(w, registers, this.key);
  }

  private unique(name: string, what: string): void {
    if (this.names.has(name)) throw new GlslEmitError(`${what} is declared twice`);
    this.names.add(name);
  }

  private vertexInputs(key: VertexShaderKey): void {
    for (const decl of this.shader.inputs) {
      for (let index = decl.first; index <= decl.last; index++) {
        const kind = key.attributes[index] ?? 'float';
        const stored: ValueKind = kind === 'bgra' ? 'float' : kind;
        const name = `vgw_attr${index}`;
        this.declarations.push(`layout(location = ${index}) in ${typeName(stored, 4)} ${name};`);
        this.attributes.push({ location: index, kind });
        this.inputs.set(index, { text: kind === 'bgra' ? `${name}.zyxw` : name, kind: stored, width: 4 });
      }
    }
  }

  private fragmentInputs(key: FragmentShaderKey): void {
    for (const decl of this.shader.inputs) {
      const semantic = decl.semantic ?? fail(`IN[${decl.first}] of a fragment shader has no semantic`);
      for (let i = 0; i <= decl.last - decl.first; i++) {
        this.inputs.set(decl.first + i, this.fragmentInput(decl, { name: semantic.name, index: semantic.index + i }, key));
      }
    }
  }

  private fragmentInput(decl: IoDeclaration, semantic: Semantic, key: FragmentShaderKey): Expr {
    const float = (text: string): Expr => ({ text, kind: 'float', width: 4 });
    switch (semantic.name) {
      case 'POSITION':
        return float(this.fragCoord());
      case 'FACE':
        return float('vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0)');
      case 'PCOORD':
        return float(this.pointCoord(key));
      case 'TEXCOORD':
        if (semantic.index < 32 && (key.spriteCoords >>> semantic.index) & 1) return float(this.pointCoord(key));
        return this.varyingInput(decl, semantic, key);
      default:
        if (!VARYING_SEMANTICS.has(semantic.name)) throw new GlslEmitError(`fragment shader input ${semantic.name} is not available in WebGL2`);
        return this.varyingInput(decl, semantic, key);
    }
  }

  private fragCoord(): string {
    const { coordOrigin, pixelCenter } = this.shader.properties;
    if (coordOrigin === 'UPPER_LEFT' && pixelCenter === 'HALF_INTEGER') return 'gl_FragCoord';
    if (!this.names.has('vgw_frag_coord')) {
      this.unique('vgw_frag_coord', 'a POSITION input');
      let y = 'gl_FragCoord.y';
      if (coordOrigin === 'LOWER_LEFT') {
        this.uniforms.add('vgw_fb_height');
        y = `vgw_fb_height - ${y}`;
      }
      const xy = pixelCenter === 'INTEGER' ? `vec2(gl_FragCoord.x, ${y}) - 0.5` : `gl_FragCoord.x, ${y}`;
      this.prologue.push(`vec4 vgw_frag_coord = vec4(${xy}, gl_FragCoord.zw);`);
    }
    return 'vgw_frag_coord';
  }

  private pointCoord(key: FragmentShaderKey): string {
    const t = key.spriteOrigin === 'upper-left' ? '1.0 - gl_PointCoord.y' : 'gl_PointCoord.y';
    return `vec4(gl_PointCoord.x, ${t}, 0.0, 1.0)`;
  }

  private varyingInput(decl: IoDeclaration, semantic: Semantic, key: FragmentShaderKey): Expr {
    const flat = decl.interpolation === 'CONSTANT' || (decl.interpolation === 'COLOR' && key.flatShade);
    const linear = !flat && decl.interpolation === 'LINEAR';
    const centroid = decl.location === 'CENTROID';
    if (decl.location === 'SAMPLE') this.note(`${semantic.name}[${semantic.index}]: per-sample interpolation is not available in GLSL ES 3.00; interpolated at the centre`);
    const mode: VaryingMode = flat ? 'flat' : linear ? (centroid ? 'linear-centroid' : 'linear') : centroid ? 'centroid' : 'smooth';
    const read = (name: string): Expr => {
      this.declareVarying(name, mode, 'in');
      if (flat) return { text: name, kind: 'uint', width: 4 };
      return { text: linear ? `${name} * gl_FragCoord.w` : name, kind: 'float', width: 4 };
    };
    const front = read(varyingName(semantic.name, semantic.index));
    if (semantic.name !== 'COLOR' || !key.twoSidedColor) return front;
    const back = read(varyingName('BCOLOR', semantic.index));
    return { ...front, text: `(gl_FrontFacing ? ${front.text} : ${back.text})` };
  }

  private declareVarying(name: string, mode: VaryingMode, direction: 'in' | 'out'): void {
    this.unique(name, `varying ${name}`);
    const flat = mode === 'flat';
    const qualifier = flat ? 'flat ' : mode === 'centroid' || mode === 'linear-centroid' ? 'centroid ' : '';
    const type = flat ? 'uvec4' : 'vec4';
    this.declarations.push(`${qualifier}${direction} ${type} ${name};`);
    this.varyings.push({ name, type, mode });
  }

  private systemValue(sv: SystemValueDeclaration): Expr {
    const int = (text: string): Expr => ({ text: `ivec4(${text}, 0, 0, 0)`, kind: 'int', width: 4 });
    const stage = this.shader.stage;
    switch (stage === 'vertex' ? sv.semantic.name : '') {
      case 'VERTEXID':
        this.uniforms.add('vgw_base_vertex');
        return int('gl_VertexID + vgw_base_vertex');
      case 'VERTEXID_NOBASE':
        return int('gl_VertexID');
      case 'BASEVERTEX':
        this.uniforms.add('vgw_base_vertex');
        return int('vgw_base_vertex');
      case 'INSTANCEID':
        return int('gl_InstanceID');
      default:
        throw new GlslEmitError(`system value ${sv.semantic.name} of a ${stage} shader is not available in WebGL2`);
    }
  }

  private vertexOutputs(w: CodeWriter, registers: Registers, key: VertexShaderKey): void {
    const varyings: [string, Expr][] = [];
    let position: Expr | null = null;
    let clipVertex: Expr | null = null;
    const clipDistances: string[] = [];
    let pointSize = false;
    for (const decl of this.shader.outputs) {
      const semantic = decl.semantic ?? fail(`OUT[${decl.first}] of a vertex shader has no semantic`);
      for (let i = 0; i <= decl.last - decl.first; i++) {
        const value = registers.outputValue(decl.first + i);
        const index = semantic.index + i;
        switch (semantic.name) {
          case 'POSITION':
            this.unique('gl_Position', 'POSITION output');
            if (decl.invariant) this.declarations.push('invariant gl_Position;');
            position = value;
            break;
          case 'PSIZE':
            this.unique('gl_PointSize', 'PSIZE output');
            pointSize = true;
            this.epilogue.push(`gl_PointSize = ${bitcast(select(value, [0]), 'float').text};`);
            break;
          case 'CLIPDIST':
            for (const c of maskComponents(decl.usageMask)) clipDistances[index * 4 + c] = bitcast(select(value, [c]), 'float').text;
            break;
          case 'CLIPVERTEX':
            this.unique('CLIPVERTEX', 'CLIPVERTEX output');
            clipVertex = value;
            break;
          case 'EDGEFLAG':
            this.note('EDGEFLAG output dropped: WebGL2 draws no polygon edges');
            break;
          default: {
            if (!VARYING_SEMANTICS.has(semantic.name)) throw new GlslEmitError(`vertex shader output ${semantic.name} is not available in WebGL2`);
            const name = varyingName(semantic.name, index);
            const mode = key.varyings[name] ?? 'smooth';
            this.declareVarying(name, mode, 'out');
            varyings.push([name, mode === 'flat' ? value : bitcast(value, 'float')]);
          }
        }
      }
    }
    if (!pointSize) {
      this.uniforms.add('vgw_point_size');
      this.epilogue.push('gl_PointSize = vgw_point_size;');
    }
    if (position !== null) {
      w.line(`gl_Position = ${bitcast(position, 'float').text};`);
      if (key.flipY) w.line('gl_Position.y = -gl_Position.y;');
    }
    for (const [name, value] of varyings) {
      const mode = key.varyings[name] ?? 'smooth';
      w.line(`${name} = ${value.text}${mode === 'linear' || mode === 'linear-centroid' ? ' * gl_Position.w' : ''};`);
    }
    for (const line of this.epilogue) w.line(line);
    if (key.clipPlanes) this.clipOutputs(w, key.clipPlanes, clipDistances, clipVertex ?? position);
    this.captureOutputs(w, registers, key.captures);
  }

  /** Transform feedback's varyings: the guest's output bits as stored, before any host adjustment (the y flip). */
  private captureOutputs(w: CodeWriter, registers: Registers, captures: VertexShaderKey['captures']): void {
    const declared = new Set(this.shader.outputs.flatMap((decl) => Array.from({ length: decl.last - decl.first + 1 }, (_, i) => decl.first + i)));
    captures.forEach((dwords, index) => {
      const name = captureName(index);
      // Runs of dwords from one register become one swizzle.
      const runs: { register: number; components: Component[] }[] = [];
      for (const dword of dwords) {
        const register = dword >> 2;
        if (!declared.has(register)) throw new GlslEmitError(`stream output of OUT[${register}], which the shader does not declare`);
        const last = runs[runs.length - 1];
        if (last?.register === register) last.components.push((dword & 3) as Component);
        else runs.push({ register, components: [(dword & 3) as Component] });
      }
      const parts = runs.map((run) => select(registers.outputValue(run.register), run.components).text);
      this.unique(name, `capture varying ${index}`);
      const type = typeName('uint', widthOf(dwords.length));
      this.declarations.push(`flat out ${type} ${name};`);
      w.line(`${name} = ${parts.length === 1 ? parts[0] : `${type}(${parts.join(', ')})`};`);
    });
  }

  /** As gallium defines user clipping: the shader's own distances where it writes any, else the planes against CLIPVERTEX or POSITION (before the y flip). */
  private clipOutputs(w: CodeWriter, mask: number, written: readonly string[], clipped: Expr | null): void {
    const planes = enabledPlanes(mask);
    const distance = (plane: number): string => {
      if (written.length > 0) return written[plane] ?? '0.0';
      if (clipped === null) return '0.0';
      this.uniforms.add('vgw_clip_planes');
      return `dot(vgw_clip_planes[${plane}], ${bitcast(clipped, 'float').text})`;
    };
    CLIP_VARYINGS.forEach((name, group) => {
      if (!planes.some((p) => p >> 2 === group)) return;
      this.declareVarying(name, 'smooth', 'out');
      const parts = [0, 1, 2, 3].map((c) => ((mask >>> (group * 4 + c)) & 1 ? distance(group * 4 + c) : '0.0'));
      w.line(`${name} = vec4(${parts.join(', ')});`);
    });
  }

  /** Discards the fragments behind an enabled plane (see CLIP_VARYINGS); at the end, so derivatives taken before it see every fragment of the quad. */
  private clipDiscard(w: CodeWriter, mask: number): void {
    const tests: string[] = [];
    CLIP_VARYINGS.forEach((name, group) => {
      const planes = enabledPlanes(mask).filter((p) => p >> 2 === group);
      if (planes.length === 0) return;
      this.declareVarying(name, 'smooth', 'in');
      for (const p of planes) tests.push(`${name}.${'xyzw'[p & 3]} < 0.0`);
    });
    if (tests.length > 0) w.line(`if (${tests.join(' || ')}) discard;`);
  }

  /** The fixed-function alpha test on colour 0, as the last thing before the outputs are written. */
  private alphaTest(w: CodeWriter, color: Expr, func: number): void {
    if (func === ALPHA_ALWAYS) return;
    if (func === 0) return w.line('discard;');
    this.uniforms.add('vgw_alpha_ref');
    const alpha = bitcast(select(color, [3]), 'float').text;
    w.line(`if (!(${alpha} ${ALPHA_OPERATORS[func]} vgw_alpha_ref)) discard;`);
  }

  private fragmentOutputs(w: CodeWriter, registers: Registers, key: FragmentShaderKey): void {
    this.clipDiscard(w, key.clipPlanes);
    const slots = key.colorBuffers;
    const declared = new Set<number>();
    const write = (slot: number, value: Expr): void => {
      const kind = slots[slot];
      if (kind === undefined) return;
      const name = `vgw_color${slot}`;
      if (!declared.has(slot)) {
        declared.add(slot);
        this.declarations.push(`layout(location = ${slot}) out ${typeName(kind, 4)} ${name};`);
      }
      w.line(`${name} = ${bitcast(value, kind).text};`);
    };
    for (const decl of this.shader.outputs) {
      const semantic = decl.semantic ?? fail(`OUT[${decl.first}] of a fragment shader has no semantic`);
      for (let i = 0; i <= decl.last - decl.first; i++) {
        const value = registers.outputValue(decl.first + i);
        const index = semantic.index + i;
        switch (semantic.name) {
          case 'COLOR':
            this.unique(`color ${index}`, `COLOR[${index}] output`);
            if (index === 0) this.alphaTest(w, value, key.alphaFunc);
            if (index === 0 && this.shader.properties.color0WritesAllCbufs) slots.forEach((_, slot) => write(slot, value));
            else write(index, value);
            break;
          case 'POSITION':
            this.unique('gl_FragDepth', 'POSITION output');
            w.line(`gl_FragDepth = ${bitcast(select(value, [2]), 'float').text};`);
            break;
          default:
            throw new GlslEmitError(`fragment shader output ${semantic.name} is not available in WebGL2`);
        }
      }
    }
  }
}
