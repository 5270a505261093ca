import { RubyHash, RubyObject, RubyString, RubyUserDefined, type RubyValue } from '../../../src/gems/marshal/values.js';

/** A value's content as text, ignoring identity (links are expanded). */
export function show(value: RubyValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? String(value) : `${value}n`;
  if (typeof value === 'symbol') return `:${Symbol.keyFor(value)}`;
  if (typeof value !== 'object') return String(value);
  if (value instanceof RubyString) return `"${Buffer.from(value.bytes).toString('hex')}"${value.encoding}`;
  if (Array.isArray(value)) return `[${value.map(show).join(',')}]`;
  if (value instanceof RubyHash) return `{${value.entries.map(([k, v]) => `${show(k)}=>${show(v)}`).join(',')}}`;
  const ivars = (map: ReadonlyMap<string, RubyValue>): string =>
    [...map].map(([name, item]) => `${name}=${show(item)}`).join(',');
  if (value instanceof RubyObject) return `o:${value.className}(${ivars(value.ivars)})`;
  if (value instanceof RubyUserDefined) {
    return `u:${value.className}(${Buffer.from(value.data).toString('hex')};${ivars(value.ivars)})`;
  }
  return `U:${value.className}(${show(value.data)})`;
}
