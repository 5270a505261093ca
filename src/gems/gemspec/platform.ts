/**
 * Gem::Platform's reading of a platform string (`x86-mingw32`, `java`,
 * `universal-darwin-9`) into cpu, os and version, as RubyGems 3.3 does when
 * a gemspec names a platform other than `ruby`. Null is Ruby's nil.
 */
export interface PlatformParts {
  readonly cpu: string | null;
  readonly os: string | null;
  readonly version: string | null;
}

type OsRule = readonly [RegExp, (match: RegExpExecArray) => [string, string | null]];

const group = (match: RegExpExecArray, n: number): string | null => match[n] ?? null;

// In Ruby's order: the first rule that matches anywhere in the os part wins.
const OS_RULES: readonly OsRule[] = [
  [/aix(\d+)?/, (m) => ['aix', group(m, 1)]],
  [/cygwin/, () => ['cygwin', null]],
  [/darwin(\d+)?/, (m) => ['darwin', group(m, 1)]],
  [/^macruby$/, () => ['macruby', null]],
  [/freebsd(\d+)?/, (m) => ['freebsd', group(m, 1)]],
  [/hpux(\d+)?/, (m) => ['hpux', group(m, 1)]],
  [/^java$|^jruby$/, () => ['java', null]],
  [/^java([\d.]*)/, (m) => ['java', group(m, 1)]],
  [/^dalvik(\d+)?$/, (m) => ['dalvik', group(m, 1)]],
  [/^dotnet$/, () => ['dotnet', null]],
  [/^dotnet([\d.]*)/, (m) => ['dotnet', group(m, 1)]],
  [/linux-?((?!gnu)\w+)?/, (m) => ['linux', group(m, 1)]],
  [/mingw32/, () => ['mingw32', null]],
  [/mingw-?(\w+)?/, (m) => ['mingw', group(m, 1)]],
  [/(mswin\d+)(_(\d+))?/, (m) => [m[1] ?? '', group(m, 3)]],
  [/netbsdelf/, () => ['netbsdelf', null]],
  [/openbsd(\d+\.\d+)?/, (m) => ['openbsd', group(m, 1)]],
  [/bitrig(\d+\.\d+)?/, (m) => ['bitrig', group(m, 1)]],
  [/solaris(\d+\.\d+)?/, (m) => ['solaris', group(m, 1)]],
  [/^(\w+_platform)(\d+)?/, (m) => [m[1] ?? '', group(m, 2)]],
];

export function parsePlatform(text: string): PlatformParts {
  const arch = rubySplit(text, '-');
  const last = arch.length - 1;
  if (arch.length > 2 && !/\d/.test(arch[last] ?? '')) {
    const extra = arch.pop();
    arch[last - 1] = `${arch[last - 1]}-${extra}`;
  }
  const first = arch.shift() ?? null;
  let cpu = first !== null && /i\d86/.test(first) ? 'x86' : first;
  if (arch.length === 2 && /^\d+(\.\d+)?$/.test(arch[1] ?? ''))
    return { cpu, os: arch[0] ?? null, version: arch[1] ?? null };
  let os = arch[0] ?? null;
  if (os === null) {
    // A bare `java` or `mswin32` is an os without a cpu.
    cpu = null;
    os = first;
  }
  for (const [pattern, parts] of OS_RULES) {
    const match = os === null ? null : pattern.exec(os);
    if (!match) continue;
    const [name, version] = parts(match);
    if (cpu === null && name.startsWith('mswin') && name.endsWith('32')) cpu = 'x86';
    return { cpu, os: name, version };
  }
  return { cpu, os: 'unknown', version: null };
}

/** Ruby's String#split with a string: like JS, minus trailing empty fields. */
function rubySplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
