import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// Electron's binary is downloaded on first require: only the Electron-only files may import it.
const ELECTRON = { name: 'electron', message: 'Only main/electron and preload may import electron.' };
// Every statement Pancake runs lives under db/, next to the schema it depends on.
const SQLITE = { name: 'better-sqlite3', message: 'SQL lives in db/: add a typed query there.' };
const CONNECTION = {
  group: ['**/db/connection.js'],
  message: "Only db/'s query modules and test/helpers reach a project's connection; use or add a typed query in db/.",
};
const restrictImports = (options) => ({ 'no-restricted-imports': ['error', options] });

/** Process boundaries: an import pattern refusing the given top-level folders from inside `from`. */
function outside(from, folders) {
  return {
    group: folders.flatMap((f) => [`**/${f}/**`, `../${f}/**`]),
    message: `${from}/ may import only contract/ (and its own files and packages).`,
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'release/', 'test-output/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    files: ['contract/**/*.ts', 'main/**/*.ts', 'db/**/*.ts', 'test/**/*.ts', 'preload/**/*.cts', 'scripts/**/*.mjs', '*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: globals.browser, parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      ...restrictImports({ paths: [ELECTRON, SQLITE], patterns: [CONNECTION] }),
    },
  },
  { files: ['main/electron/**/*.ts', 'preload/**/*.cts'], rules: restrictImports({ paths: [SQLITE], patterns: [CONNECTION] }) },
  // The contract is the one thing every process shares: it imports nothing of
  // theirs, and the renderer and db/ reach only it.
  { files: ['contract/**/*.ts'], rules: restrictImports({ paths: [ELECTRON, SQLITE], patterns: [outside('contract', ['main', 'db', 'renderer', 'preload'])] }) },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: restrictImports({ paths: [ELECTRON, SQLITE], patterns: [CONNECTION, outside('renderer', ['main', 'db', 'preload'])] }),
  },
  { files: ['db/**/*.ts'], rules: restrictImports({ paths: [ELECTRON], patterns: [outside('db', ['main', 'renderer', 'preload'])] }) },
  // Tests may open a project file with better-sqlite3 themselves (to build an old schema, or damage one).
  { files: ['test/**/*.ts'], rules: restrictImports({ paths: [ELECTRON], patterns: [CONNECTION] }) },
  { files: ['test/helpers/**/*.ts'], rules: restrictImports({ paths: [ELECTRON] }) },
);
