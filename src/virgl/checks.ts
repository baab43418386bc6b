/** The validations decoders share: length rules and field checks, each answering with the reason a command is refused, or null. */
import { isFormat, Limit } from './protocol.ts';

/** Why a command is refused. */
export type Reason = string;

export const NOT_OFFERED: Reason = "not offered by this device's capsets";

/** Allowed lengths in dwords after the header: min, min + step, ... up to max. */
export interface LengthRule {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly expected: string;
}

export function exactly(dwords: number): LengthRule {
  return { min: dwords, max: dwords, step: 1, expected: `${dwords} dwords` };
}

export function between(min: number, max: number): LengthRule {
  return { min, max, step: 1, expected: `${min} to ${max} dwords` };
}

export function either(short: number, long: number): LengthRule {
  return { min: short, max: long, step: long - short, expected: `${short} or ${long} dwords` };
}

/** `fixed` dwords, then `per` dwords for each of at most `most` items. */
export function items(fixed: number, per: number, most: number, item: string): LengthRule {
  return { min: fixed, max: fixed + per * most, step: per, expected: `${fixed} + ${per} per ${item} dwords, at most ${most} ${item}s` };
}

export function lengthReason(rule: LengthRule, dwords: number): Reason | null {
  if (dwords >= rule.min && dwords <= rule.max && (dwords - rule.min) % rule.step === 0) return null;
  return `length ${dwords} dwords; expected ${rule.expected}`;
}

export function nonZero(value: number, what: string): Reason | null {
  return value === 0 ? `${what} is 0` : null;
}

export function below(value: number, count: number, what: string): Reason | null {
  return value < count ? null : `${what} ${value} is out of range (at most ${count - 1})`;
}

export function boolean(value: number, what: string): Reason | null {
  return value <= 1 ? null : `${what} ${value} is not 0 or 1`;
}

export function format(value: number, what: string): Reason | null {
  return isFormat(value) ? null : `${what} ${value} is not a virgl format`;
}

export function level(value: number, what: string): Reason | null {
  return below(value, Limit.TEXTURE_LEVELS, what);
}

/** Slots `start` to `start + count - 1` all below `most`. */
export function slots(start: number, count: number, most: number, what: string): Reason | null {
  return start <= most && count <= most - start ? null : `${count} ${what} from slot ${start}: the device offers ${most} slots`;
}
