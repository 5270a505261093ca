/**
 * The gem half of the test world: real `.gem` files built without Ruby and
 * the compact index a gem server would publish for them, as a route map for
 * WorldServer (`/versions`, `/names`, `/info/NAME`, `/gems/FILE`).
 *
 *   const world = buildGemWorld();
 *   const server = await WorldServer.start(world.routes);
 *   // resolve world.gemList against server.url → WORLD_RESOLUTION
 *
 * The default world holds Razor's gem set (facter, json_pure, daemons, stomp)
 * with traps: prereleases newer than every release, a platform-only newer
 * version (json 1.9.0-java), development dependencies on gems the world
 * lacks (following one would 404), a runtime chain three deep with `~>`,
 * a multi-clause requirement and a diamond (facter and stomp both need json).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tar } from './gems-tar.js';

export interface WorldDependency {
  readonly name: string;
  /** Gemspec style: `>= 2.2, < 3`, `~> 0.1.2`, a bare version means `=`. */
  readonly requirement: string;
  readonly type: 'runtime' | 'development';
}

export interface WorldGem {
  readonly name: string;
  readonly version: string;
  readonly platform?: string;
  readonly dependencies?: readonly WorldDependency[];
  /** required_ruby_version; `>= 0` when absent. */
  readonly ruby?: string;
}

export interface GemWorld {
  readonly routes: Map<string, Buffer>;
  /** The `.gem` bodies by file name. */
  readonly gems: Map<string, Buffer>;
  /** SHA-256 hex of each `.gem` by file name, as the index publishes it. */
  readonly sha256: Map<string, string>;
}

const runtime = (name: string, requirement: string): WorldDependency => ({ name, requirement, type: 'runtime' });
const development = (name: string, requirement: string): WorldDependency => ({
  name,
  requirement,
  type: 'development',
});

export const WORLD_GEMS: readonly WorldGem[] = [
  { name: 'facter', version: '1.6.18', ruby: '>= 1.8.7' },
  {
    name: 'facter',
    version: '1.7.5',
    ruby: '>= 1.8.7',
    dependencies: [runtime('json', '>= 1.5'), development('rspec', '~> 2.11')],
  },
  { name: 'facter', version: '2.0.0.rc1', ruby: '>= 1.8.7' },
  { name: 'json_pure', version: '1.7.6' },
  { name: 'json_pure', version: '1.7.7' },
  { name: 'json_pure', version: '1.8.1' },
  { name: 'json_pure', version: '2.0.0.rc1' },
  { name: 'json', version: '1.7.7' },
  { name: 'json', version: '1.8.0' },
  { name: 'json', version: '1.8.0', platform: 'java' },
  { name: 'json', version: '1.9.0', platform: 'java' },
  { name: 'json', version: '2.0.0.pre' },
  { name: 'daemons', version: '1.1.8' },
  { name: 'daemons', version: '1.1.9', dependencies: [development('rake', '>= 0')] },
  { name: 'daemons', version: '1.2.0.beta1' },
  { name: 'stomp', version: '1.2.9' },
  {
    name: 'stomp',
    version: '1.3.2',
    dependencies: [runtime('connection_pool', '>= 2.2, < 3'), runtime('json', '>= 1.7'), development('rake', '>= 0')],
  },
  { name: 'stomp', version: '1.3.3.pre' },
  { name: 'connection_pool', version: '2.1.0' },
  { name: 'connection_pool', version: '2.2.0', dependencies: [runtime('timeout_utils', '~> 0.1.1')] },
  { name: 'connection_pool', version: '2.4.1', dependencies: [runtime('timeout_utils', '~> 0.1.2')] },
  { name: 'connection_pool', version: '3.0.0' },
  { name: 'connection_pool', version: '3.1.0.rc1' },
  { name: 'timeout_utils', version: '0.1.1' },
  { name: 'timeout_utils', version: '0.1.2' },
  { name: 'timeout_utils', version: '0.1.5' },
  { name: 'timeout_utils', version: '0.2.0' },
];

/** Razor's gem.list, as the Microkernel source tree has it. */
export const WORLD_GEM_LIST = [
  '# Gems the Microkernel needs',
  'facter',
  'json_pure  >= 1.7.7',
  '',
  'daemons',
  'stomp',
  '',
].join('\n');

/** What resolving WORLD_GEM_LIST must give, in order: the list, then dependencies breadth first. */
export const WORLD_RESOLUTION: readonly (readonly [name: string, version: string])[] = [
  ['facter', '1.7.5'],
  ['json_pure', '1.8.1'],
  ['daemons', '1.1.9'],
  ['stomp', '1.3.2'],
  ['json', '1.8.0'],
  ['connection_pool', '2.4.1'],
  ['timeout_utils', '0.1.5'],
];

/** 2013-01-01T00:00:00Z: every mtime and date in the world. */
const EPOCH = 1_356_998_400;

export function gemFileName(gem: WorldGem): string {
  return `${gem.name}-${gem.version}${gem.platform ? `-${gem.platform}` : ''}.gem`;
}

export function buildGemWorld(gems: readonly WorldGem[] = WORLD_GEMS): GemWorld {
  const files = new Map<string, Buffer>();
  const sha256 = new Map<string, string>();
  const infos = new Map<string, string[]>();
  for (const gem of gems) {
    const file = gemFileName(gem);
    const body = buildGem(gem);
    const sum = hash('sha256', body);
    files.set(file, body);
    sha256.set(file, sum);
    infos.set(gem.name, [...(infos.get(gem.name) ?? []), infoLine(gem, sum)]);
  }

  const routes = new Map<string, Buffer>();
  const versionLines: string[] = [];
  for (const [name, lines] of [...infos].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const info = Buffer.from(`---\n${lines.join('\n')}\n`);
    routes.set(`/info/${name}`, info);
    const versions = lines.map((line) => line.slice(0, line.indexOf(' ')));
    versionLines.push(`${name} ${versions.join(',')} ${hash('md5', info)}`);
  }
  routes.set(
    '/versions',
    Buffer.from(
      `created_at: ${new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z')}\n---\n${lines(versionLines)}`,
    ),
  );
  routes.set('/names', Buffer.from(`---\n${lines([...infos.keys()].sort())}`));
  for (const [file, body] of files) routes.set(`/gems/${file}`, body);
  return { routes, gems: files, sha256 };
}

/** The gem's line in `/info/NAME`, formatted as rubygems.org does. */
export function infoLine(gem: WorldGem, sha256: string): string {
  const deps = (gem.dependencies ?? [])
    .filter((d) => d.type === 'runtime')
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(
      (d) =>
        `${d.name}:${clauses(d.requirement)
          .map(([op, v]) => `${op} ${v}`)
          .sort()
          .join('&')}`,
    );
  const meta = [`checksum:${sha256}`];
  if (gem.ruby)
    meta.push(
      `ruby:${clauses(gem.ruby)
        .map(([op, v]) => `${op} ${v}`)
        .join('&')}`,
    );
  return `${gem.version}${gem.platform ? `-${gem.platform}` : ''} ${deps.join(',')}|${meta.join(',')}`;
}

/** A `.gem`: an uncompressed tar of metadata.gz, data.tar.gz and checksums.yaml.gz. */
export function buildGem(gem: WorldGem): Buffer {
  const metadata = gzipSync(gemspecYaml(gem));
  const source = `# ${gem.name} ${gem.version}: a gem from the mkbundle test world\nmodule MkbundleWorld\n  GEMS = {} unless defined?(GEMS)\n  GEMS['${gem.name}'] = '${gem.version}'\nend\n`;
  const data = gzipSync(tar([{ path: `lib/${gem.name}.rb`, data: Buffer.from(source), mode: 0o644 }], EPOCH));
  const sums = (algorithm: string): string[] => [
    `${algorithm.toUpperCase()}:`,
    `  metadata.gz: '${hash(algorithm, metadata)}'`,
    `  data.tar.gz: '${hash(algorithm, data)}'`,
  ];
  const checksums = gzipSync(`---\n${lines([...sums('sha256'), ...sums('sha512')])}`);
  return tar(
    [
      { path: 'metadata.gz', data: metadata, mode: 0o444 },
      { path: 'data.tar.gz', data, mode: 0o444 },
      { path: 'checksums.yaml.gz', data: checksums, mode: 0o444 },
    ],
    EPOCH,
  );
}

/** The YAML `gem build` writes into metadata.gz, with only the fields Gem::Specification needs. */
export function gemspecYaml(gem: WorldGem): string {
  const deps = gem.dependencies ?? [];
  return lines([
    '--- !ruby/object:Gem::Specification',
    `name: ${quote(gem.name)}`,
    'version: !ruby/object:Gem::Version',
    `  version: ${quote(gem.version)}`,
    `platform: ${quote(gem.platform ?? 'ruby')}`,
    'authors:',
    "- 'mkbundle test world'",
    'autorequire:',
    'bindir: bin',
    'cert_chain: []',
    `date: ${new Date(EPOCH * 1000).toISOString().slice(0, 10)} 00:00:00.000000000 Z`,
    deps.length === 0 ? 'dependencies: []' : 'dependencies:',
    ...deps.flatMap((d) => [
      '- !ruby/object:Gem::Dependency',
      `  name: ${quote(d.name)}`,
      ...requirementYaml('  requirement', d.requirement),
      `  type: :${d.type}`,
      `  prerelease: ${/[a-zA-Z]/.test(d.requirement)}`,
      ...requirementYaml('  version_requirements', d.requirement),
    ]),
    `description: ${quote(`${gem.name} for the mkbundle test world`)}`,
    'email:',
    'executables: []',
    'extensions: []',
    'extra_rdoc_files: []',
    'files:',
    `- ${quote(`lib/${gem.name}.rb`)}`,
    `homepage: ${quote(`https://example.invalid/${gem.name}`)}`,
    'licenses:',
    "- 'MIT'",
    'metadata: {}',
    'post_install_message:',
    'rdoc_options: []',
    'require_paths:',
    "- 'lib'",
    ...requirementYaml('required_ruby_version', gem.ruby ?? '>= 0'),
    ...requirementYaml('required_rubygems_version', '>= 0'),
    'requirements: []',
    "rubygems_version: '3.3.15'",
    'signing_key:',
    'specification_version: 4',
    `summary: ${quote(`${gem.name} ${gem.version}`)}`,
    'test_files: []',
  ]);
}

function requirementYaml(key: string, requirement: string): string[] {
  const indent = ' '.repeat(key.length - key.trimStart().length);
  return [
    `${key}: !ruby/object:Gem::Requirement`,
    `${indent}  requirements:`,
    ...clauses(requirement).flatMap(([op, version]) => [
      `${indent}  - - ${quote(op)}`,
      `${indent}    - !ruby/object:Gem::Version`,
      `${indent}      version: ${quote(version)}`,
    ]),
  ];
}

/** `>= 2.2, < 3` → [['>=', '2.2'], ['<', '3']]; kept independent of src/gems so the world checks it. */
function clauses(requirement: string): [op: string, version: string][] {
  return requirement.split(',').map((clause) => {
    const match = /^\s*(~>|!=|>=|<=|=|>|<)?\s*(\S+)\s*$/.exec(clause);
    if (!match?.[2]) throw new Error(`test world: bad requirement '${requirement}'`);
    return [match[1] ?? '=', match[2]];
  });
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function lines(items: readonly string[]): string {
  return items.map((item) => `${item}\n`).join('');
}

function hash(algorithm: string, data: Buffer | string): string {
  return createHash(algorithm).update(data).digest('hex');
}
