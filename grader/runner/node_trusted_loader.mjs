/**
 * The tests' process refuses ES module imports of any file outside its trusted folders
 * (the hidden suite, the runner, the image's modules; node_trusted.cjs):
 * an `import` would run the submission's code here, beside the tests. A suite graded with
 * `isolation = "process"` loads the submission with `require()`, which crosses to the
 * submission's own process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let trusted = [];

export function initialize(data) {
  if (data) ({ trusted } = data);
}

function inside(file, folder) {
  return file === folder || file.startsWith(folder + path.sep);
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.startsWith('file:')) {
    const file = fileURLToPath(resolved.url);
    if (!trusted.some((folder) => inside(file, folder))) {
      throw new Error(
        `the hidden tests import ${file} as an ES module; with isolation = "process" they ` +
          'must load the submission with require(), which runs it in its own process',
      );
    }
  }
  return resolved;
}
