// Extensions installed for a test window, shared by the code-server and test-electron runners.
import * as fs from 'fs';
import * as path from 'path';

/** The stand-in of the Python extension's published API (see its extension.js). */
export const PYTHON_EXTENSION_STAND_IN = path.resolve(
  __dirname,
  '../../../test/vscode/python-extension-stand-in',
);

/**
 * Makes an extensions folder holding the unpacked extensions in `folders`, each linked under the
 * `<publisher>.<name>-<version>` name that VS Code scans for.
 */
export function makeExtensionsFolder(dir: string, folders: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const folder of folders) {
    const { publisher, name, version } = JSON.parse(
      fs.readFileSync(path.join(folder, 'package.json'), 'utf8'),
    ) as Record<string, string>;
    fs.symlinkSync(folder, path.join(dir, `${publisher}.${name}-${version}`));
  }
  return dir;
}
