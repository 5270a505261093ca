/** `npm run man`: writes docs/mkbundle.1 from the command specs that --help is rendered from. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manPage } from '../src/cli/man.js';
import { packageRoot } from '../src/version.js';

await writeFile(join(packageRoot(), 'docs', 'mkbundle.1'), manPage());
