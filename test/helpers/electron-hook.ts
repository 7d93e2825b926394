// A module resolve hook (node:module register) that hands `import 'electron'`
// the stand-in, so the real package (which would look for its binary) is
// never loaded.
export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (specifier === 'electron') return { url: new URL('./electron-stand-in.js', import.meta.url).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
