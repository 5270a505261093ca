/**
 * `.gem` files from outside the test world's own writer, for checking the
 * legacy index against `gem generate_index`: gems that Debian's `gem build`
 * makes from gemspecs with awkward fields, and gems around hand-written
 * YAML in the shapes older RubyGems wrote (Syck-era anchors and `none:`,
 * `! '>='` tags, spec version 3, block scalars, `!binary`).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tar } from '../world/gems-tar.js';

const EPOCH = 1_356_998_400;

const GEMSPECS: Record<string, string> = {
  'tricky.gemspec': `
Gem::Specification.new do |s|
  s.name = 'tricky'
  s.version = '1.0.0'
  s.summary = 'Tricky: fields that need care'
  s.description = "Line one.\\n\\nLine two with ünïcödé and a tab\\t."
  s.authors = ['Zoë Ünïcode', 'Second Author']
  s.email = ['a@example.invalid', 'b@example.invalid']
  s.homepage = 'https://example.invalid/tricky'
  s.licenses = ['MIT', 'Apache-2.0']
  s.metadata = { 'source_code_uri' => 'https://example.invalid/src', 'changelog_uri' => 'https://example.invalid/log' }
  s.files = ['lib/tricky.rb']
  s.required_ruby_version = ['>= 1.8.7', '< 4']
  s.add_runtime_dependency 'json', '>= 1.5', '< 3'
  s.add_runtime_dependency 'daemons'
  s.add_development_dependency 'rspec', '~> 2.0.0.rc1'
end`,
  'tricky-java.gemspec': `
Gem::Specification.new do |s|
  s.name = 'tricky'
  s.version = '1.0.0'
  s.platform = 'java'
  s.summary = 'Tricky for JRuby'
  s.authors = ['Someone']
  s.files = ['lib/tricky.rb']
  s.add_runtime_dependency 'json', '~> 1.8'
end`,
  'tricky-pre.gemspec': `
Gem::Specification.new do |s|
  s.name = 'tricky'
  s.version = '2.0.0.beta1'
  s.platform = 'x86-mingw32'
  s.summary = 'A prerelease for Windows'
  s.authors = ['P']
  s.files = ['lib/tricky.rb']
end`,
  'native.gemspec': `
Gem::Specification.new do |s|
  s.name = 'native'
  s.version = '0.3'
  s.platform = 'x86_64-linux'
  s.summary = 'Linux only'
  s.authors = ['N']
  s.email = 'n@example.invalid'
  s.files = ['lib/tricky.rb']
end`,
  'darwin.gemspec': `
Gem::Specification.new do |s|
  s.name = 'native'
  s.version = '0.3'
  s.platform = 'universal-darwin-9'
  s.summary = 'Mac only'
  s.authors = ['N']
  s.files = ['lib/tricky.rb']
end`,
};

/** A gemspec as RubyGems 1.3/1.8 on Ruby 1.8 wrote them. */
export const OLD_STYLE_YAML = `--- !ruby/object:Gem::Specification
name: oldstyle
version: !ruby/object:Gem::Version
  hash: 3
  segments:
  - 1
  - 6
  - 18
  version: 1.6.18
platform: ruby
authors:
- Puppet Labs
autorequire:
bindir: bin
cert_chain: []

date: 2013-02-05 00:00:00 Z
default_executable:
dependencies:
- !ruby/object:Gem::Dependency
  name: json
  prerelease: false
  requirement: &id001 !ruby/object:Gem::Requirement
    none: false
    requirements:
    - - ! '>='
      - !ruby/object:Gem::Version
        hash: 3
        version: "0"
  type: :runtime
  version_requirements: *id001
- !ruby/object:Gem::Dependency
  name: extra
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: "1.2"
  type: :runtime
  prerelease: false
  extra_note: kept
  version_requirements: !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: "1.2"
description: |-
  You can prove anything with facts!
  Second line.
email: !binary |-
  aW5mb0BleGFtcGxlLmludmFsaWQ=
executables: []

extensions: []

extra_rdoc_files: []

files:
- lib/oldstyle.rb
has_rdoc: true
homepage: http://example.invalid/oldstyle
licenses: []

post_install_message:
rdoc_options: []

require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  none: false
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      hash: 3
      version: "0"
required_rubygems_version: !ruby/object:Gem::Requirement
  none: false
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: "0"
requirements: []

rubyforge_project: oldstyle
rubygems_version: 1.8.23
signing_key:
specification_version: 3
summary: "  Facter, a system inventory tool,\\n  split over-\\n  lines  "
test_files: []
`;

/** Gemspec YAML with fields left out, so RubyGems' defaults fill them. */
export const SPARSE_YAML = `--- !ruby/object:Gem::Specification
name: sparse
version: !ruby/object:Gem::Version
  version: '0.0.1'
date: '2012-07-09'
summary: 2013
authors:
- 42
-
- Real Name
`;

/** A `.gem` around the given gemspec YAML. */
export function gemOfYaml(yaml: string): Buffer {
  const data = gzipSync(tar([{ path: 'lib/x.rb', data: Buffer.from('# x\n'), mode: 0o644 }], EPOCH));
  return tar(
    [
      { path: 'metadata.gz', data: gzipSync(yaml), mode: 0o444 },
      { path: 'data.tar.gz', data, mode: 0o444 },
    ],
    EPOCH,
  );
}

/** Runs Debian's `gem build` on each gemspec in `work`; returns file name → `.gem` bytes. */
export async function buildPeerGems(work: string): Promise<Map<string, Buffer>> {
  await mkdir(join(work, 'lib'), { recursive: true });
  await writeFile(join(work, 'lib/tricky.rb'), '# tricky\n');
  for (const [file, source] of Object.entries(GEMSPECS)) {
    await writeFile(join(work, file), source);
    execFileSync('gem', ['build', file], {
      cwd: work,
      stdio: 'ignore',
      env: { ...process.env, SOURCE_DATE_EPOCH: String(EPOCH), HOME: work },
    });
  }
  const gems = new Map<string, Buffer>();
  for (const name of await readdir(work)) {
    if (name.endsWith('.gem')) gems.set(name, await readFile(join(work, name)));
  }
  gems.set('oldstyle-1.6.18.gem', gemOfYaml(OLD_STYLE_YAML));
  gems.set('sparse-0.0.1.gem', gemOfYaml(SPARSE_YAML));
  return gems;
}
